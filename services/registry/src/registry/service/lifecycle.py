"""Programme statuses after registration: manual changes, eligibility history, matching outcomes, refusals."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime

from registry import audit, repository
from registry.audit import SYSTEM, Actor
from registry.errors import HouseholdNotFound
from registry.facts import Programme
from registry.models import Household, RefusalRecord
from registry.refusals import refusal_consequence
from registry.rules_policy import RegistryRules
from registry.schemas import StatusChangeIn
from registry.service import assessing, views
from registry.service import statuses as status_service
from registry.service.households import load, load_fields
from registry.status import HouseholdStatus, IllegalTransition
from registry.views import EligibilityHistory, StatusChangeView, StatusHistory
from shared.db import UnitOfWork

logger = logging.getLogger(__name__)


async def eligibility(
    uow: UnitOfWork, *, household_id: uuid.UUID, actor: Actor, now: datetime
) -> EligibilityHistory:
    """Current outcome and history; the reasons quote ISEE figures, so the read is audited."""
    household = await load(uow, household_id=household_id)
    if household.state == "erased":
        raise HouseholdNotFound()
    history = await repository.eligibility_history(uow.session, household_id=household.id)
    await audit.append(
        uow,
        actor=actor,
        action="household.eligibility.read",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return EligibilityHistory(
        household_id=household.id,
        current=[views.eligibility_view(r) for r in views.latest_per_programme(history)],
        history=[views.eligibility_view(r) for r in history],
    )


async def status_history(uow: UnitOfWork, *, household_id: uuid.UUID) -> StatusHistory:
    household = await load(uow, household_id=household_id)
    statuses = await repository.statuses_of(uow.session, household_id=household.id)
    changes = await repository.status_changes(uow.session, household_id=household.id)
    return StatusHistory(
        household_id=household.id,
        programmes=[views.status_view(s) for s in statuses],
        changes=[StatusChangeView.model_validate(c, from_attributes=True) for c in changes],
    )


async def _republish(
    uow: UnitOfWork, *, household: Household, rules: RegistryRules, now: datetime
) -> None:
    fields = await load_fields(uow, household=household)
    derived = assessing.derive_only(fields, rules=rules, now=now)
    await assessing.publish(
        uow,
        household=household,
        fields=fields,
        derived=derived,
        rules=rules,
        now=now,
        assessed=False,
    )


async def change_status(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    data: StatusChangeIn,
    rules: RegistryRules,
    actor: Actor,
    now: datetime,
) -> StatusHistory:
    """Suspend, exclude (with an end date) or lift back to eligible; illegal moves are 409."""
    household = await load(uow, household_id=household_id, for_update=True)
    rows = await status_service.statuses(uow, household=household)
    row = rows[data.programme]
    target = HouseholdStatus(data.status)
    if target is HouseholdStatus.ELIGIBLE:
        history = await repository.eligibility_history(uow.session, household_id=household.id)
        latest = {r.programme: r for r in history}.get(data.programme)
        if latest is None or not latest.eligible:
            raise IllegalTransition(
                HouseholdStatus(row.status), target, "the latest assessment is not eligible"
            )
    status_service.touch(household, now=now)
    await status_service.change(
        uow,
        household=household,
        row=row,
        to=target,
        actor=actor,
        reason_code=data.reason_code,
        until=data.until,
        today=assessing.local_today(now),
        now=now,
    )
    await _republish(uow, household=household, rules=rules, now=now)
    await audit.append(
        uow,
        actor=actor,
        action=f"household.status.{data.status}",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return await status_history(uow, household_id=household.id)


async def _matching_move(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    programme: str | None,
    expected: HouseholdStatus,
    to: HouseholdStatus,
    reason_code: str,
    rules: RegistryRules,
    now: datetime,
) -> None:
    household = await repository.get_household(uow.session, household_id=household_id)
    if household is None or household.state in ("erased", "withdrawn"):
        return  # nothing to update; the event is acknowledged
    rows = await status_service.statuses(uow, household=household)
    candidates = [rows[programme]] if programme in rows else list(rows.values())
    row = next((r for r in candidates if r.status == expected.value), None)
    if row is None:
        logger.info("matching outcome ignored", extra={"error_code": "status_not_expected"})
        return
    status_service.touch(household, now=now)
    await status_service.change(
        uow,
        household=household,
        row=row,
        to=to,
        actor=SYSTEM,
        reason_code=reason_code,
        today=assessing.local_today(now),
        now=now,
    )
    await _republish(uow, household=household, rules=rules, now=now)


async def offer_made(
    uow: UnitOfWork, *, household_id: uuid.UUID, programme: str, rules: RegistryRules, now: datetime
) -> None:
    await _matching_move(
        uow,
        household_id=household_id,
        programme=programme,
        expected=HouseholdStatus.ELIGIBLE,
        to=HouseholdStatus.OFFERED,
        reason_code="offer_made",
        rules=rules,
        now=now,
    )


async def offer_closed(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    programme: str | None,
    reason_code: str,
    rules: RegistryRules,
    now: datetime,
) -> None:
    """An offer ended without the household's refusal (the landlord declined, the unit was
    withdrawn, the landlord let the deadline pass): the household waits again, position kept."""
    await _matching_move(
        uow,
        household_id=household_id,
        programme=programme,
        expected=HouseholdStatus.OFFERED,
        to=HouseholdStatus.ELIGIBLE,
        reason_code=reason_code,
        rules=rules,
        now=now,
    )


async def tenancy_agreed(
    uow: UnitOfWork, *, household_id: uuid.UUID, rules: RegistryRules, now: datetime
) -> None:
    await _matching_move(
        uow,
        household_id=household_id,
        programme=None,
        expected=HouseholdStatus.OFFERED,
        to=HouseholdStatus.HOUSED,
        reason_code="tenancy_agreed",
        rules=rules,
        now=now,
    )


async def refusal_classified(
    uow: UnitOfWork,
    *,
    offer_id: uuid.UUID,
    household_id: uuid.UUID,
    programme: str,
    reason_code: str,
    classification: str,
    refused_at: datetime,
    rules: RegistryRules,
    now: datetime,
) -> None:
    """DOMAIN §4.8: justified keeps the position; unjustified suspends, then excludes, per policy."""
    if await repository.get_refusal(uow.session, offer_id=offer_id) is not None:
        return  # a re-classification of the same offer is not a second refusal
    household = await repository.get_household(uow.session, household_id=household_id)
    if household is None or household.state in ("erased", "withdrawn"):
        return
    earlier = [
        assessing.local_today(r.refused_at)
        for r in await repository.refusals_of(uow.session, household_id=household_id)
        if r.classification == "unjustified" and r.programme == programme
    ]
    today = assessing.local_today(now)
    consequence = refusal_consequence(
        programme=Programme(programme),
        classification="unjustified" if classification == "unjustified" else "justified",
        refused_on=assessing.local_today(refused_at),
        earlier_unjustified_on=earlier,
        today=today,
        rules=rules,
    )
    await repository.add(
        uow.session,
        RefusalRecord(
            offer_id=offer_id,
            household_id=household_id,
            programme=programme,
            reason_code=reason_code,
            classification=consequence.classification,
            refused_at=refused_at,
            action=consequence.action,
            recorded_at=now,
        ),
    )
    rows = await status_service.statuses(uow, household=household)
    row = rows.get(programme)
    target = consequence.target_status
    if row is None or row.status == target.value:
        return
    status_service.touch(household, now=now)
    try:
        await status_service.change(
            uow,
            household=household,
            row=row,
            to=target,
            actor=SYSTEM,
            reason_code=f"refusal_{consequence.classification}_{consequence.action}",
            until=consequence.until,
            today=today,
            now=now,
        )
    except IllegalTransition:
        logger.info("refusal consequence not applicable", extra={"error_code": "illegal_status"})
        return
    await _republish(uow, household=household, rules=rules, now=now)


async def expire_lapsed_isee(uow: UnitOfWork, *, rules: RegistryRules, now: datetime) -> int:
    """DOMAIN §2.2: eligible → expired once the ISEE lapses (re-assessed, re-published)."""
    today = assessing.local_today(now)
    # `until_31_december_of_filing_year`: an ISEE filed before 1 January of this year has lapsed.
    lapsed = await repository.isee_lapsed(uow.session, valid_from=date(today.year, 1, 1))
    for household in lapsed:
        status_service.touch(household, now=now)
        fields = await load_fields(uow, household=household)
        derived = await assessing.reassess(
            uow, household=household, fields=fields, rules=rules, actor=SYSTEM, now=now
        )
        await assessing.publish(
            uow, household=household, fields=fields, derived=derived, rules=rules, now=now
        )
    return len(lapsed)
