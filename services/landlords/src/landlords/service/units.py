"""A landlord's units: submit, read, list, change and withdraw (lifecycle of DOMAIN 2.2)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from landlords import repository
from landlords.errors import UnitAlreadyExists, UnitNotEditable, UnitNotFound
from landlords.models import Unit
from landlords.pagination import decode_cursor, next_cursor
from landlords.service.landlords import scope_of
from landlords.service.unit_changes import apply_change, parse_merged
from landlords.service.unit_events import submitted_event
from landlords.service.unit_facts import (
    fact_values,
    landlord_view,
    merge_patch,
    staff_view,
    submission_of,
)
from landlords.unit_rules import UnitAssessment, UnitChecker
from landlords.unit_schemas import UnitCreate
from landlords.unit_views import (
    UnitLandlordView,
    UnitPage,
    UnitStaffView,
    UnitUpdate,
)
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import RateLimited
from shared.events.landlords import UnitWithdrawn

DAY = timedelta(days=1)


def view_for(row: Unit, principal: Principal) -> UnitLandlordView | UnitStaffView:
    return staff_view(row) if principal.kind == "staff" else landlord_view(row)


async def check_daily_quota(
    uow: UnitOfWork, *, landlord_id: uuid.UUID, adding: int, limit: int, now: datetime
) -> None:
    """At most `limit` new units per landlord per rolling day (RELIABILITY 3.5)."""
    created = await repository.units_created_since(
        uow.session, landlord_id=landlord_id, since=now - DAY
    )
    if created + adding > limit:
        raise RateLimited(retry_after_s=3600)


def new_unit_values(
    *,
    unit_id: uuid.UUID,
    landlord_id: uuid.UUID,
    unit: UnitCreate,
    assessment: UnitAssessment,
    now: datetime,
    keys: tuple[str, str] | None = None,
) -> dict[str, Any]:
    values = fact_values(landlord_id=landlord_id, unit=unit, assessment=assessment, keys=keys)
    return {
        **values,
        "id": unit_id,
        "landlord_id": landlord_id,
        # Notes held for review wait for a caseworker in verification (DOMAIN 4.9).
        "status": "in_verification" if assessment.hold_for_review else "submitted",
        "entity_version": 1,
        "created_at": now,
        "updated_at": now,
    }


async def create_unit(
    uow: UnitOfWork,
    *,
    checker: UnitChecker,
    landlord_id: uuid.UUID,
    data: UnitCreate,
    unit_id: uuid.UUID,
    daily_limit: int,
    now: datetime,
) -> UnitLandlordView:
    assessment = checker.require_valid(unit=data)
    values = new_unit_values(
        unit_id=unit_id, landlord_id=landlord_id, unit=data, assessment=assessment, now=now
    )
    if await repository.natural_key_taken(
        uow.session, natural_key=values["natural_key"], other_than=None
    ):
        raise UnitAlreadyExists()
    await check_daily_quota(uow, landlord_id=landlord_id, adding=1, limit=daily_limit, now=now)
    await repository.add_units(uow.session, units=[values])
    row = await repository.get_unit(uow.session, unit_id=unit_id, landlord_id=landlord_id)
    assert row is not None
    uow.emit(submitted_event(row, now=now), aggregate_id=str(unit_id))
    return landlord_view(row)


async def get_unit(
    uow: UnitOfWork, *, unit_id: uuid.UUID, principal: Principal
) -> UnitLandlordView | UnitStaffView:
    return view_for(await visible_unit(uow, unit_id=unit_id, principal=principal), principal)


async def visible_unit(
    uow: UnitOfWork, *, unit_id: uuid.UUID, principal: Principal, for_update: bool = False
) -> Unit:
    row = await repository.get_unit(
        uow.session, unit_id=unit_id, landlord_id=scope_of(principal), for_update=for_update
    )
    if row is None:
        raise UnitNotFound()
    return row


async def list_units(
    uow: UnitOfWork,
    *,
    principal: Principal,
    status: str | None,
    comune: str | None,
    landlord_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> UnitPage:
    scope = scope_of(principal)
    if scope is not None and landlord_id not in (None, scope):
        return UnitPage(items=[])  # a landlord filtering on another landlord sees nothing
    rows = await repository.list_units(
        uow.session,
        landlord_id=scope or landlord_id,
        status=status,
        comune=comune,
        after=decode_cursor(cursor),
        limit=limit,
    )
    return UnitPage(
        items=[view_for(r, principal) for r in rows],
        next_cursor=next_cursor([r.id for r in rows], limit=limit),
    )


async def update_unit(
    uow: UnitOfWork,
    *,
    checker: UnitChecker,
    unit_id: uuid.UUID,
    principal: Principal,
    patch: UnitUpdate,
    now: datetime,
) -> UnitLandlordView:
    row = await visible_unit(uow, unit_id=unit_id, principal=principal, for_update=True)
    changes = patch.model_dump(exclude_unset=True)
    unit, assessment = parse_merged(
        checker=checker, merged=merge_patch(submission_of(row), changes), prefix="/body"
    )
    await apply_change(uow, row=row, unit=unit, assessment=assessment, now=now)
    return landlord_view(row)


async def withdraw_unit(
    uow: UnitOfWork, *, unit_id: uuid.UUID, principal: Principal, now: datetime
) -> UnitLandlordView | UnitStaffView:
    """Withdraw before a contract; withdrawing again changes nothing and answers the same."""
    row = await visible_unit(uow, unit_id=unit_id, principal=principal, for_update=True)
    if row.status == "withdrawn":
        return view_for(row, principal)
    if row.status == "let":
        raise UnitNotEditable()
    row.status = "withdrawn"
    row.entity_version += 1
    row.updated_at = now
    uow.emit(
        UnitWithdrawn(
            occurred_at=now,
            entity_version=row.entity_version,
            unit_id=row.id,
            landlord_id=row.landlord_id,
            reason_code="STAFF_DELISTED" if principal.kind == "staff" else "LANDLORD_WITHDREW",
        ),
        aggregate_id=str(row.id),
    )
    return view_for(row, principal)
