"""Landlords and their API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from landlords.deps import Caseworker, StaffOrLandlord, SupervisorOrLandlord
from landlords.schemas import (
    ApiKeyIssuedView,
    ApiKeyList,
    ApiKeyView,
    LandlordCreate,
    LandlordOnboardedView,
    LandlordPage,
    LandlordView,
)
from landlords.service import keys, landlords
from shared.db import new_id
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1/landlords", tags=["landlords"])

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post(
    "",
    status_code=201,
    response_model=LandlordOnboardedView,
    summary="Onboard a landlord; the API key is shown once (Idempotency-Key required)",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429),
)
async def onboard_landlord(
    body: LandlordCreate, request: Request, principal: Caseworker, runtime: Runtime
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: landlords.onboard_landlord(
            uow, data=body, actor=principal.id, landlord_id=new_id(), now=runtime.db.clock()
        ),
        secret_response=True,
    )


@router.get(
    "",
    response_model=LandlordPage,
    summary="List landlords (staff)",
    responses=problem_responses(401, 403, 422, 429),
)
async def list_landlords(
    uow: UoW, _principal: Caseworker, cursor: Cursor = None, limit: Limit = 50
) -> LandlordPage:
    return await landlords.list_landlords(uow, cursor=cursor, limit=limit)


@router.get(
    "/{landlord_id}",
    response_model=LandlordView,
    summary="Read a landlord (staff, or the landlord itself)",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def get_landlord(
    landlord_id: uuid.UUID, uow: UoW, principal: StaffOrLandlord
) -> LandlordView:
    return await landlords.get_landlord(uow, landlord_id=landlord_id, principal=principal)


@router.post(
    "/{landlord_id}/api-keys",
    status_code=201,
    response_model=ApiKeyIssuedView,
    summary="Issue a new key beside the current one (rotation; at most two active; shown once)",
    responses=problem_responses(400, 401, 403, 404, 409, 422, 429),
)
async def rotate_key(
    landlord_id: uuid.UUID, request: Request, principal: SupervisorOrLandlord, runtime: Runtime
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: keys.issue_key(
            uow, landlord_id=landlord_id, principal=principal, now=runtime.db.clock()
        ),
        secret_response=True,
    )


@router.get(
    "/{landlord_id}/api-keys",
    response_model=ApiKeyList,
    summary="List a landlord's keys, with their last use (never the secrets)",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def list_keys(
    landlord_id: uuid.UUID, uow: UoW, principal: SupervisorOrLandlord
) -> ApiKeyList:
    return await keys.list_keys(uow, landlord_id=landlord_id, principal=principal)


@router.delete(
    "/{landlord_id}/api-keys/{key_id}",
    response_model=ApiKeyView,
    summary="Revoke a key; it stops working at once",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def revoke_key(
    landlord_id: uuid.UUID,
    key_id: KeyId,
    uow: UoW,
    principal: SupervisorOrLandlord,
    runtime: Runtime,
) -> ApiKeyView:
    return await keys.revoke_key(
        uow, landlord_id=landlord_id, key_id=key_id, principal=principal, now=runtime.db.clock()
    )
