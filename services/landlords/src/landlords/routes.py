"""The landlords service's HTTP routes: thin, each parses, calls one service function and returns."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from landlords import service
from landlords.schemas import LandlordCreate, LandlordOnboardedView, LandlordPage, LandlordView
from shared.auth import Authorize, Principal
from shared.db import new_id
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["landlords"])

Caseworker = Annotated[Principal, Depends(Authorize(roles={"caseworker"}))]
StaffOrLandlord = Annotated[Principal, Depends(Authorize(roles={"caseworker"}, landlord=True))]


@router.post(
    "/landlords",
    status_code=201,
    response_model=LandlordOnboardedView,
    summary="Onboard a landlord; the API key is shown once (Idempotency-Key required)",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422),
)
async def onboard_landlord(
    body: LandlordCreate, request: Request, principal: Caseworker, runtime: Runtime
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: service.onboard_landlord(
            uow, data=body, actor=principal.id, landlord_id=new_id(), now=runtime.db.clock()
        ),
        secret_response=True,
    )


@router.get(
    "/landlords",
    response_model=LandlordPage,
    summary="List landlords",
    responses=problem_responses(401, 403, 422),
)
async def list_landlords(
    uow: UoW, _principal: Caseworker, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> LandlordPage:
    return await service.list_landlords(uow, limit=limit)


@router.get(
    "/landlords/{landlord_id}",
    response_model=LandlordView,
    summary="Read a landlord (staff, or the landlord itself)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_landlord(
    landlord_id: uuid.UUID, uow: UoW, principal: StaffOrLandlord
) -> LandlordView:
    return await service.get_landlord(uow, landlord_id=landlord_id, principal=principal)
