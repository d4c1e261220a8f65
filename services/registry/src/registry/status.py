"""The per-programme household status machine of DOMAIN §2.2; the caller records who, when, why."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

from registry.eligibility import Assessment, Reason
from shared.errors import Conflict


class HouseholdStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    OFFERED = "offered"
    HOUSED = "housed"
    SUSPENDED = "suspended"
    EXCLUDED = "excluded"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"


S = HouseholdStatus

# Withdrawal ends an open application; erasure (GDPR) is possible from every state but itself.
_OPEN = frozenset(
    {S.DRAFT, S.SUBMITTED, S.VERIFIED, S.ELIGIBLE, S.INELIGIBLE, S.OFFERED, S.SUSPENDED}
    | {S.EXPIRED, S.EXCLUDED}
)

_TRANSITIONS: dict[HouseholdStatus, frozenset[HouseholdStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.VERIFIED}),
    S.VERIFIED: frozenset({S.ELIGIBLE, S.INELIGIBLE}),
    # Re-assessment after a change may flip eligible and ineligible either way.
    S.ELIGIBLE: frozenset({S.OFFERED, S.SUSPENDED, S.EXCLUDED, S.EXPIRED, S.INELIGIBLE}),
    S.INELIGIBLE: frozenset({S.ELIGIBLE}),
    # Back to eligible after a justified refusal, an expired or a withdrawn offer.
    S.OFFERED: frozenset({S.HOUSED, S.ELIGIBLE, S.SUSPENDED, S.EXCLUDED, S.INELIGIBLE}),
    S.SUSPENDED: frozenset({S.ELIGIBLE, S.EXCLUDED, S.INELIGIBLE}),
    S.EXPIRED: frozenset({S.ELIGIBLE, S.INELIGIBLE}),  # once a new ISEE arrives
    S.EXCLUDED: frozenset({S.ELIGIBLE, S.INELIGIBLE}),  # only once the ban is over
    S.HOUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.ERASED: frozenset(),
}
for _status in S:
    if _status in _OPEN:
        _TRANSITIONS[_status] |= {S.WITHDRAWN}
    if _status is not S.ERASED:
        _TRANSITIONS[_status] |= {S.ERASED}
ALLOWED_TRANSITIONS: Mapping[HouseholdStatus, frozenset[HouseholdStatus]] = MappingProxyType(
    _TRANSITIONS
)


class IllegalTransition(Conflict):
    """A status change DOMAIN §2.2 does not allow (HTTP 409)."""

    problem_type = "illegal-status-transition"
    title = "The household's status does not allow this change"

    def __init__(self, current: HouseholdStatus, target: HouseholdStatus, why: str = "") -> None:
        self.current = current
        self.target = target
        detail = f": {why}" if why else ""
        super().__init__(
            f"a household cannot go from {current} to {target}{detail}",
            extra={"current_status": current.value, "requested_status": target.value},
        )


class ProgrammeStatus(BaseModel):
    """One programme's status; `until` is the end of a suspension or exclusion."""

    model_config = ConfigDict(frozen=True)

    status: HouseholdStatus = S.DRAFT
    until: date | None = None
    reasons: tuple[str, ...] = ()


def can_transition(current: HouseholdStatus, target: HouseholdStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def transition(
    *,
    state: ProgrammeStatus,
    to: HouseholdStatus,
    today: date,
    until: date | None = None,
    reasons: tuple[str, ...] = (),
) -> ProgrammeStatus:
    """The next state, or IllegalTransition.

    `excluded` needs `until` (the ban's end); `suspended` may carry one. `ineligible` needs its
    reasons. An excluded household returns only once `today` reaches `until`; a suspension may
    be lifted early (a contested classification overturned).
    """
    current = state.status
    if not can_transition(current, to):
        raise IllegalTransition(current, to)
    if to is S.EXCLUDED and until is None:
        raise IllegalTransition(current, to, "an exclusion needs its end date")
    if to in (S.EXCLUDED, S.SUSPENDED) and until is not None and until <= today:
        raise IllegalTransition(current, to, f"end date {until.isoformat()} is not in the future")
    if to is S.INELIGIBLE and not reasons:
        raise IllegalTransition(current, to, "ineligibility needs its reasons")
    ban_end = state.until
    if current is S.EXCLUDED and to in (S.ELIGIBLE, S.INELIGIBLE) and ban_end and today < ban_end:
        raise IllegalTransition(current, to, f"excluded until {ban_end.isoformat()}")
    keeps_until = to in (S.EXCLUDED, S.SUSPENDED)
    return ProgrammeStatus(
        status=to,
        until=until if keeps_until else None,
        reasons=reasons,
    )


def status_after_assessment(
    *, current: HouseholdStatus, assessment: Assessment
) -> HouseholdStatus | None:
    """Where a re-assessment moves a household, or None when its status stays.

    An eligible household whose only failure is the lapsed ISEE becomes `expired`, not
    `ineligible`. Suspension, exclusion, housing and closed states are left alone: they end by
    their own events.
    """
    if assessment.eligible:
        target = S.ELIGIBLE
    elif set(assessment.reasons) == {Reason.ISEE_EXPIRED} and current in (S.ELIGIBLE, S.EXPIRED):
        target = S.EXPIRED
    else:
        target = S.INELIGIBLE
    if current is S.VERIFIED or current in (S.ELIGIBLE, S.INELIGIBLE, S.EXPIRED):
        return None if target is current else target
    if current is S.OFFERED and not assessment.eligible:
        return S.INELIGIBLE  # the open offer is withdrawn by matching
    return None
