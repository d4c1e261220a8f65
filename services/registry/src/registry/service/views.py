"""Building the response views from rows: explicit, per audience."""

from __future__ import annotations

from collections.abc import Sequence

from registry import repository
from registry.affordability import household_ceilings
from registry.models import EligibilityRecord, Household, ProgrammeStatusRow
from registry.priority import Priority, PriorityLine
from registry.profile import to_facts
from registry.rules_policy import RegistryRules
from registry.schemas import HouseholdFields
from registry.views import (
    EligibilityView,
    FailureView,
    HouseholdCaseworkerView,
    HouseholdSummary,
    PriorityLineView,
    PriorityView,
    ProgrammeStatusView,
)
from shared.db import UnitOfWork


def status_view(row: ProgrammeStatusRow) -> ProgrammeStatusView:
    return ProgrammeStatusView(
        programme=row.programme, status=row.status, until=row.until, reasons=list(row.reasons)
    )


def eligibility_view(row: EligibilityRecord) -> EligibilityView:
    return EligibilityView(
        programme=row.programme,
        eligible=row.eligible,
        failures=[FailureView(**f) for f in row.failures],
        eligible_until=row.eligible_until,
        policy_version=row.policy_version,
        assessed_at=row.assessed_at,
    )


def latest_per_programme(history: Sequence[EligibilityRecord]) -> list[EligibilityRecord]:
    latest: dict[str, EligibilityRecord] = {}
    for record in history:  # ordered oldest first
        latest[record.programme] = record
    return [latest[p] for p in sorted(latest)]


def priority_view(household: Household) -> PriorityView:
    lines = tuple(PriorityLine(**line) for line in household.priority_lines or [])
    total = sum(line.points for line in lines)
    priority = Priority(
        score=household.priority_score, uncapped_total=total, lines=lines, isbar=household.isbar
    )
    return PriorityView(
        score=priority.score,
        lines=[PriorityLineView(**line.model_dump()) for line in lines],
        explanation=priority.explanation,
        isbar=household.isbar,
    )


async def caseworker_view(
    uow: UnitOfWork, *, household: Household, fields: HouseholdFields, rules: RegistryRules
) -> HouseholdCaseworkerView:
    statuses = await repository.statuses_of(uow.session, household_id=household.id)
    history = await repository.eligibility_history(uow.session, household_id=household.id)
    ceilings = household_ceilings(facts=to_facts(fields), rules=rules.affordability)
    return HouseholdCaseworkerView(
        **fields.model_dump(),
        id=household.id,
        state=household.state,
        size=household.size,
        programmes=[status_view(s) for s in statuses],
        priority=priority_view(household),
        eligibility=[eligibility_view(r) for r in latest_per_programme(history)],
        max_rent_cents=ceilings.max_rent_cents if ceilings else None,
        indigent=ceilings.indigent if ceilings else False,
        legal_hold=household.legal_hold,
        entity_version=household.entity_version,
        application_time=household.application_time,
        created_at=household.created_at,
        updated_at=household.updated_at,
    )


async def summaries(uow: UnitOfWork, *, households: Sequence[Household]) -> list[HouseholdSummary]:
    statuses = await repository.statuses_for(uow.session, household_ids=[h.id for h in households])
    by_household: dict[object, list[ProgrammeStatusRow]] = {}
    for row in sorted(statuses, key=lambda r: r.programme):
        by_household.setdefault(row.household_id, []).append(row)
    return [
        HouseholdSummary(
            id=h.id,
            reference=h.reference,
            state=h.state,
            size=h.size,
            residence_comune=h.residence_comune,
            programmes=[status_view(s) for s in by_household.get(h.id, [])],
            priority_score=h.priority_score,
            application_time=h.application_time,
            legal_hold=h.legal_hold,
        )
        for h in households
    ]
