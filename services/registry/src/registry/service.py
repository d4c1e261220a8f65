"""The registry's use cases; they never commit (the boundary does)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from registry import repository
from registry.errors import HouseholdNotFound, UnknownComune
from registry.models import ErasureConfirmation, Household
from registry.schemas import HouseholdCaseworkerView, HouseholdCreate, HouseholdPage
from shared.db import UnitOfWork
from shared.events.registry import HouseholdRegistered


def _view(row: Household) -> HouseholdCaseworkerView:
    return HouseholdCaseworkerView.model_validate(row, from_attributes=True)


async def register_household(
    uow: UnitOfWork,
    *,
    data: HouseholdCreate,
    comuni: frozenset[str],
    actor: str,
    household_id: uuid.UUID,
    now: datetime,
) -> HouseholdCaseworkerView:
    if data.residence_comune is not None and data.residence_comune not in comuni:
        raise UnknownComune("/body/residence_comune")
    row = Household(
        id=household_id,
        caseworker_reference=data.caseworker_reference,
        size=data.size,
        residence_comune=data.residence_comune,
        language=data.language,
        status="submitted",
        entity_version=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    await repository.add_household(uow.session, household=row)
    uow.emit(
        HouseholdRegistered(
            occurred_at=now,
            household_id=household_id,
            entity_version=1,
            size=data.size,
            residence_comune=data.residence_comune,
            language=data.language,
            application_time=now,
        ),
        aggregate_id=str(household_id),
    )
    return _view(row)


async def get_household(uow: UnitOfWork, *, household_id: uuid.UUID) -> HouseholdCaseworkerView:
    row = await repository.get_household(uow.session, household_id=household_id)
    if row is None:
        raise HouseholdNotFound()
    return _view(row)


def _decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        return None


async def list_households(
    uow: UnitOfWork, *, status: str | None, cursor: str | None, limit: int
) -> HouseholdPage:
    rows = await repository.list_households(
        uow.session, status=status, after=_decode_cursor(cursor), limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = base64.urlsafe_b64encode(rows[-1].id.bytes).decode() if more and rows else None
    return HouseholdPage(items=[_view(r) for r in rows], next_cursor=next_cursor)


async def record_erasure_confirmation(
    uow: UnitOfWork, *, erasure_id: uuid.UUID, household_id: uuid.UUID, service: str, now: datetime
) -> None:
    await repository.add_erasure_confirmation(
        uow.session,
        row=ErasureConfirmation(
            erasure_id=erasure_id, service=service, household_id=household_id, confirmed_at=now
        ),
    )
