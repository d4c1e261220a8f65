"""Re-evaluation after every change: eligibility history, priority, statuses, and the events that follow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from registry import repository
from registry.audit import Actor
from registry.facts import Programme
from registry.models import EligibilityRecord, Household, ProgrammeStatusRow
from registry.profile import Derived, derive, matching_profile
from registry.rules_policy import RegistryRules
from registry.schemas import HouseholdFields
from registry.service import statuses as status_service
from registry.status import HouseholdStatus, status_after_assessment
from shared.db import UnitOfWork, new_id
from shared.events.registry import (
    EligibilityAssessed,
    HouseholdRegistered,
    HouseholdUpdated,
    MatchingProfile,
)

ROME = ZoneInfo("Europe/Rome")


def local_today(now: datetime) -> date:
    """DOMAIN §4.2: time is Europe/Rome (a naive time read back from SQLite is UTC)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(ROME).date()


def derive_only(fields: HouseholdFields, *, rules: RegistryRules, now: datetime) -> Derived:
    return derive(fields, rules=rules, today=local_today(now))


async def reassess(
    uow: UnitOfWork,
    *,
    household: Household,
    fields: HouseholdFields,
    rules: RegistryRules,
    actor: Actor,
    now: datetime,
) -> Derived:
    """Store a new assessment per programme and move statuses the assessment decides (§2.2)."""
    today = local_today(now)
    derived = derive(fields, rules=rules, today=today)
    household.priority_score = derived.priority.score
    household.priority_lines = [line.model_dump() for line in derived.priority.lines]
    household.has_minors = derived.facts.has_minors(today=today)
    rows = await status_service.statuses(uow, household=household)
    for programme, assessment in derived.assessments.items():
        await repository.add(
            uow.session,
            EligibilityRecord(
                id=new_id(),
                household_id=household.id,
                programme=programme.value,
                eligible=assessment.eligible,
                failures=[f.model_dump(mode="json") for f in assessment.failures],
                eligible_until=assessment.eligible_until,
                policy_version=assessment.policy_version,
                entity_version=household.entity_version,
                assessed_at=now,
            ),
        )
        row = rows.get(programme.value)
        if row is None:
            continue
        target = status_after_assessment(current=HouseholdStatus(row.status), assessment=assessment)
        if target is not None:
            await status_service.change(
                uow,
                household=household,
                row=row,
                to=target,
                actor=actor,
                reason_code="reassessment",
                reasons=tuple(r.value for r in assessment.reasons),
                today=today,
                now=now,
            )
    return derived


async def profile(
    uow: UnitOfWork,
    *,
    household: Household,
    fields: HouseholdFields,
    derived: Derived,
    now: datetime,
) -> MatchingProfile:
    rows = await status_service.statuses(uow, household=household)
    return matching_profile(
        fields,
        derived=derived,
        statuses={p: r.status for p, r in rows.items()},
        application_time=household.application_time or household.created_at,
        legal_hold=household.legal_hold or household.restricted,
        today=local_today(now),
    )


def _eligibility_event(
    household: Household, profile: MatchingProfile, *, rules: RegistryRules, now: datetime
) -> EligibilityAssessed:
    return EligibilityAssessed(
        occurred_at=now,
        household_id=household.id,
        entity_version=household.entity_version,
        programmes=profile.programmes,
        policy_version=rules.policy_version,
    )


async def publish(
    uow: UnitOfWork,
    *,
    household: Household,
    fields: HouseholdFields,
    derived: Derived,
    rules: RegistryRules,
    now: datetime,
    registered: bool = False,
    assessed: bool = True,
) -> None:
    """Emit the pseudonymous profile: `registered` on submission, `updated` afterwards."""
    if household.state == "draft":
        return
    current = await profile(uow, household=household, fields=fields, derived=derived, now=now)
    aggregate = str(household.id)
    if registered:
        uow.emit(
            HouseholdRegistered(
                occurred_at=now,
                household_id=household.id,
                entity_version=household.entity_version,
                size=current.size,
                residence_comune=fields.residence_comune,
                language=fields.language,
                application_time=current.application_time,
                profile=current,
            ),
            aggregate_id=aggregate,
        )
    else:
        uow.emit(
            HouseholdUpdated(
                occurred_at=now,
                household_id=household.id,
                entity_version=household.entity_version,
                profile=current,
            ),
            aggregate_id=aggregate,
        )
    if assessed:
        uow.emit(
            _eligibility_event(household, current, rules=rules, now=now), aggregate_id=aggregate
        )


def initial_statuses(
    household: Household, *, status: str, now: datetime
) -> list[ProgrammeStatusRow]:
    return [
        ProgrammeStatusRow(
            household_id=household.id, programme=p.value, status=status, reasons=[], updated_at=now
        )
        for p in Programme
    ]
