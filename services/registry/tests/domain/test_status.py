"""The household status machine: every legal transition works, every other one raises."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.eligibility import Assessment, Failure, Reason
from registry.facts import Programme
from registry.status import (
    ALLOWED_TRANSITIONS,
    HouseholdStatus,
    IllegalTransition,
    ProgrammeStatus,
    can_transition,
    status_after_assessment,
    transition,
)
from shared.errors import Conflict

S = HouseholdStatus
TODAY = date(2026, 11, 25)
LATER = TODAY + timedelta(days=90)

# DOMAIN §2.2, written out independently of the module's table.
EXPECTED: set[tuple[HouseholdStatus, HouseholdStatus]] = {
    (S.DRAFT, S.SUBMITTED),
    (S.SUBMITTED, S.VERIFIED),
    (S.VERIFIED, S.ELIGIBLE),
    (S.VERIFIED, S.INELIGIBLE),
    (S.ELIGIBLE, S.OFFERED),
    (S.OFFERED, S.HOUSED),
    (S.ELIGIBLE, S.SUSPENDED),
    (S.SUSPENDED, S.ELIGIBLE),
    (S.ELIGIBLE, S.EXPIRED),
    (S.EXPIRED, S.ELIGIBLE),
    (S.EXPIRED, S.INELIGIBLE),
    (S.ELIGIBLE, S.INELIGIBLE),
    (S.INELIGIBLE, S.ELIGIBLE),
    (S.OFFERED, S.ELIGIBLE),
    (S.OFFERED, S.SUSPENDED),
    (S.OFFERED, S.INELIGIBLE),
    (S.SUSPENDED, S.INELIGIBLE),
    (S.ELIGIBLE, S.EXCLUDED),
    (S.OFFERED, S.EXCLUDED),
    (S.SUSPENDED, S.EXCLUDED),
    (S.EXCLUDED, S.ELIGIBLE),
    (S.EXCLUDED, S.INELIGIBLE),
}
EXPECTED |= {(s, S.WITHDRAWN) for s in S if s not in (S.HOUSED, S.WITHDRAWN, S.ERASED)}
EXPECTED |= {(s, S.ERASED) for s in S if s is not S.ERASED}

ALL_PAIRS = [(a, b) for a in S for b in S]


def test_table_matches_domain() -> None:
    table = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == EXPECTED


def _args(target: HouseholdStatus) -> tuple[date | None, tuple[str, ...]]:
    """What a caller supplies with each target: an exclusion's end, an ineligibility's reasons."""
    if target is S.EXCLUDED:
        return LATER, ()
    if target is S.INELIGIBLE:
        return None, ("ISEE_ABOVE_MAX",)
    return None, ()


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED))
def test_every_legal_transition_works(current: HouseholdStatus, target: HouseholdStatus) -> None:
    # An exclusion being left has already run its course.
    state = ProgrammeStatus(status=current, until=TODAY if current is S.EXCLUDED else None)
    until, reasons = _args(target)
    new = transition(state=state, to=target, today=TODAY, until=until, reasons=reasons)
    assert new.status is target
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in ALL_PAIRS if pair not in EXPECTED]
)
def test_every_illegal_transition_raises_a_409(
    current: HouseholdStatus, target: HouseholdStatus
) -> None:
    assert not can_transition(current, target)
    until, reasons = _args(target)
    with pytest.raises(IllegalTransition) as info:
        transition(
            state=ProgrammeStatus(status=current),
            to=target,
            today=TODAY,
            until=until,
            reasons=reasons,
        )
    assert isinstance(info.value, Conflict)
    assert info.value.status == 409
    assert info.value.extra == {"current_status": current.value, "requested_status": target.value}


def test_the_happy_path() -> None:
    state = ProgrammeStatus()
    for target in (S.SUBMITTED, S.VERIFIED, S.ELIGIBLE, S.OFFERED, S.HOUSED):
        state = transition(state=state, to=target, today=TODAY)
    assert state.status is S.HOUSED


def test_exclusion_needs_a_future_end_date() -> None:
    eligible = ProgrammeStatus(status=S.ELIGIBLE)
    with pytest.raises(IllegalTransition, match="needs its end date"):
        transition(state=eligible, to=S.EXCLUDED, today=TODAY)
    with pytest.raises(IllegalTransition, match="not in the future"):
        transition(state=eligible, to=S.EXCLUDED, today=TODAY, until=TODAY)
    excluded = transition(state=eligible, to=S.EXCLUDED, today=TODAY, until=LATER)
    assert excluded.until == LATER


def test_an_exclusion_is_left_only_when_the_ban_is_over() -> None:
    excluded = ProgrammeStatus(status=S.EXCLUDED, until=LATER)
    with pytest.raises(IllegalTransition, match=f"excluded until {LATER.isoformat()}"):
        transition(state=excluded, to=S.ELIGIBLE, today=LATER - timedelta(days=1))
    back = transition(state=excluded, to=S.ELIGIBLE, today=LATER)
    assert back == ProgrammeStatus(status=S.ELIGIBLE)
    # Withdrawal and erasure do not wait for the ban.
    assert transition(state=excluded, to=S.ERASED, today=TODAY).status is S.ERASED


def test_suspension_keeps_its_end_and_may_be_lifted_early() -> None:
    suspended = transition(
        state=ProgrammeStatus(status=S.ELIGIBLE), to=S.SUSPENDED, today=TODAY, until=LATER
    )
    assert suspended.until == LATER
    assert transition(state=suspended, to=S.ELIGIBLE, today=TODAY).until is None
    with pytest.raises(IllegalTransition, match="not in the future"):
        transition(
            state=ProgrammeStatus(status=S.ELIGIBLE), to=S.SUSPENDED, today=TODAY, until=TODAY
        )


def test_ineligible_needs_reasons() -> None:
    with pytest.raises(IllegalTransition, match="needs its reasons"):
        transition(state=ProgrammeStatus(status=S.VERIFIED), to=S.INELIGIBLE, today=TODAY)
    new = transition(
        state=ProgrammeStatus(status=S.VERIFIED),
        to=S.INELIGIBLE,
        today=TODAY,
        reasons=("ISEE_ABOVE_MAX",),
    )
    assert new.reasons == ("ISEE_ABOVE_MAX",)


def _assessment(*reasons: Reason) -> Assessment:
    return Assessment(
        programme=Programme.AGENCY,
        failures=tuple(Failure(reason=r, message=r.value) for r in reasons),
        eligible_until=None if reasons else date(2026, 12, 31),
        policy_version="test",
    )


OK = _assessment()
LAPSED = _assessment(Reason.ISEE_EXPIRED)
FAILED = _assessment(Reason.ISEE_ABOVE_MAX)
LAPSED_AND_FAILED = _assessment(Reason.ISEE_EXPIRED, Reason.ISEE_ABOVE_MAX)


@pytest.mark.parametrize(
    ("current", "assessment", "expected"),
    [
        (S.DRAFT, OK, None),
        (S.SUBMITTED, OK, None),
        (S.VERIFIED, OK, S.ELIGIBLE),
        (S.VERIFIED, FAILED, S.INELIGIBLE),
        (S.VERIFIED, LAPSED, S.INELIGIBLE),
        (S.ELIGIBLE, OK, None),
        (S.ELIGIBLE, LAPSED, S.EXPIRED),
        (S.ELIGIBLE, FAILED, S.INELIGIBLE),
        (S.ELIGIBLE, LAPSED_AND_FAILED, S.INELIGIBLE),
        (S.INELIGIBLE, OK, S.ELIGIBLE),
        (S.INELIGIBLE, FAILED, None),
        (S.EXPIRED, OK, S.ELIGIBLE),
        (S.EXPIRED, LAPSED, None),
        (S.EXPIRED, FAILED, S.INELIGIBLE),
        (S.OFFERED, OK, None),
        (S.OFFERED, FAILED, S.INELIGIBLE),
        (S.SUSPENDED, FAILED, None),
        (S.EXCLUDED, OK, None),
        (S.HOUSED, FAILED, None),
        (S.WITHDRAWN, OK, None),
        (S.ERASED, OK, None),
    ],
)
def test_status_after_assessment(
    current: HouseholdStatus, assessment: Assessment, expected: HouseholdStatus | None
) -> None:
    target = status_after_assessment(current=current, assessment=assessment)
    assert target is expected
    if target is not None:
        assert can_transition(current, target)
