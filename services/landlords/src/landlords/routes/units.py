"""Units: submit, import, read, list, change, withdraw, verify, incentives."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from landlords.deps import Caseworker, Checker, Landlord, Limits, StaffOrLandlord
from landlords.import_formats import CSV_COLUMNS
from landlords.service import imports, incentives, units, verification
from landlords.unit_schemas import UnitCreate
from landlords.unit_views import (
    ImportResultView,
    IncentivesView,
    UnitLandlordView,
    UnitPage,
    UnitStaffView,
    UnitStatus,
    UnitUpdate,
    VerificationOutcome,
)
from shared.db import new_id
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1/units", tags=["units"])
# NUL and control characters never reach a query: PostgreSQL rejects them (RELIABILITY 3.4).
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]

_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "CSV with the template's header ("
        + ", ".join(CSV_COLUMNS)
        + "), or JSON lines: one unit submission per line.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=UnitLandlordView,
    summary="Submit a unit (landlord; Idempotency-Key required)",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429),
)
async def create_unit(
    body: UnitCreate,
    request: Request,
    principal: Landlord,
    runtime: Runtime,
    checker: Checker,
    limits: Limits,
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: units.create_unit(
            uow,
            checker=checker,
            landlord_id=uuid.UUID(principal.id),
            data=body,
            unit_id=new_id(),
            daily_limit=limits.units_per_day,
            now=runtime.db.clock(),
        ),
    )


@router.post(
    "/import",
    status_code=200,
    response_model=ImportResultView,
    summary="Import units from CSV or JSON lines, per-row results (Idempotency-Key required)",
    openapi_extra=_IMPORT_BODY,
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429),
)
async def import_units(
    request: Request, principal: Landlord, runtime: Runtime, checker: Checker, limits: Limits
) -> Response:
    fmt = imports.format_of(request.headers.get("content-type"))
    content = await request.body()
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: imports.import_file(
            uow,
            checker=checker,
            landlord_id=uuid.UUID(principal.id),
            content=content,
            fmt=fmt,
            new_id=new_id,
            daily_limit=limits.units_per_day,
            now=runtime.db.clock(),
        ),
        status_code=200,
    )


@router.get(
    "",
    response_model=UnitPage,
    summary="List units: a landlord its own; staff every landlord's, with filters",
    responses=problem_responses(401, 403, 422, 429),
)
async def list_units(
    uow: UoW,
    principal: StaffOrLandlord,
    status: UnitStatus | None = None,
    comune: Annotated[str | None, Query(max_length=80, pattern=NO_CONTROL)] = None,
    landlord_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> UnitPage:
    return await units.list_units(
        uow,
        principal=principal,
        status=status,
        comune=comune,
        landlord_id=landlord_id,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/{unit_id}",
    response_model=UnitStaffView | UnitLandlordView,
    summary="Read a unit",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def get_unit(
    unit_id: uuid.UUID, uow: UoW, principal: StaffOrLandlord
) -> UnitLandlordView | UnitStaffView:
    return await units.get_unit(uow, unit_id=unit_id, principal=principal)


@router.patch(
    "/{unit_id}",
    response_model=UnitLandlordView,
    summary="Change a unit (JSON merge patch); a published unit's main facts are verified again",
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422, 429),
)
async def update_unit(
    unit_id: uuid.UUID,
    body: UnitUpdate,
    uow: UoW,
    principal: Landlord,
    runtime: Runtime,
    checker: Checker,
) -> UnitLandlordView:
    return await units.update_unit(
        uow,
        checker=checker,
        unit_id=unit_id,
        principal=principal,
        patch=body,
        now=runtime.db.clock(),
    )


@router.delete(
    "/{unit_id}",
    response_model=UnitStaffView | UnitLandlordView,
    summary="Withdraw a unit before a contract (the landlord, or staff delisting it)",
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
async def withdraw_unit(
    unit_id: uuid.UUID, uow: UoW, principal: StaffOrLandlord, runtime: Runtime
) -> UnitLandlordView | UnitStaffView:
    return await units.withdraw_unit(
        uow, unit_id=unit_id, principal=principal, now=runtime.db.clock()
    )


@router.post(
    "/{unit_id}/verification",
    response_model=UnitStaffView,
    summary="Record a verification step: in_verification, approve, needs_works or reject",
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422, 429),
)
async def verify_unit(
    unit_id: uuid.UUID,
    body: VerificationOutcome,
    uow: UoW,
    principal: Caseworker,
    runtime: Runtime,
    checker: Checker,
) -> UnitStaffView:
    return await verification.verify_unit(
        uow,
        checker=checker,
        unit_id=unit_id,
        principal=principal,
        step=body,
        now=runtime.db.clock(),
    )


@router.get(
    "/{unit_id}/incentives",
    response_model=IncentivesView,
    summary="The incentives and tax information that apply to a unit's lease",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def unit_incentives(
    unit_id: uuid.UUID, uow: UoW, principal: StaffOrLandlord, checker: Checker
) -> IncentivesView:
    return await incentives.unit_incentives(
        uow, unit_id=unit_id, principal=principal, checker=checker
    )
