"""Programme status changes with who/when/why, and the profile re-published after each change."""

from __future__ import annotations

from datetime import date, datetime

from registry import repository
from registry.audit import Actor
from registry.models import Household, ProgrammeStatusRow, StatusChange
from registry.status import HouseholdStatus, ProgrammeStatus, transition
from shared.db import UnitOfWork
from shared.events.registry import HouseholdStatusChanged


def touch(row: Household, *, now: datetime) -> None:
    """One use case, one new entity version: consumers apply only newer versions."""
    row.entity_version += 1
    row.updated_at = now


async def statuses(uow: UnitOfWork, *, household: Household) -> dict[str, ProgrammeStatusRow]:
    rows = await repository.statuses_of(uow.session, household_id=household.id)
    return {r.programme: r for r in rows}


async def change(
    uow: UnitOfWork,
    *,
    household: Household,
    row: ProgrammeStatusRow,
    to: HouseholdStatus,
    actor: Actor,
    reason_code: str | None,
    today: date,
    now: datetime,
    until: date | None = None,
    reasons: tuple[str, ...] = (),
    emit: bool = True,
) -> None:
    """Move one programme through the DOMAIN §2.2 machine (IllegalTransition → 409) and record it."""
    current = HouseholdStatus(row.status)
    state = ProgrammeStatus(status=current, until=row.until, reasons=tuple(row.reasons or ()))
    after = transition(state=state, to=to, today=today, until=until, reasons=reasons)
    row.status = after.status.value
    row.until = after.until
    row.reasons = list(after.reasons)
    row.updated_at = now
    await repository.add(
        uow.session,
        row,
        StatusChange(
            household_id=household.id,
            programme=row.programme,
            from_status=current.value,
            to_status=after.status.value,
            reason_code=reason_code,
            until=after.until,
            actor_kind=actor.kind,
            actor_id=actor.id[:100],
            at=now,
        ),
    )
    if emit:
        uow.emit(
            HouseholdStatusChanged(
                occurred_at=now,
                household_id=household.id,
                entity_version=household.entity_version,
                programme=row.programme,  # type: ignore[arg-type]
                status=after.status.value,
                previous_status=current.value,
                reason_code=reason_code,
                until=after.until,
            ),
            aggregate_id=str(household.id),
        )
