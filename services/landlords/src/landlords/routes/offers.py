"""Offers on landlords' units and the landlord's decision."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from landlords.deps import Checker, Landlord, StaffOrLandlord
from landlords.offer_schemas import OfferDecision, OfferLandlordView, OfferPage, OfferStaffView
from landlords.service import offers
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1/offers", tags=["offers"])


@router.get(
    "",
    response_model=OfferPage,
    summary="List offers: a landlord those on its units; staff all, with filters",
    responses=problem_responses(401, 403, 422, 429),
)
async def list_offers(
    uow: UoW,
    principal: StaffOrLandlord,
    checker: Checker,
    unit_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(max_length=30, pattern=r"^[a-z_]+$")] = None,
    landlord_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> OfferPage:
    return await offers.list_offers(
        uow,
        principal=principal,
        rules=checker.rules,
        unit_id=unit_id,
        status=status,
        landlord_id=landlord_id,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/{offer_id}",
    response_model=OfferStaffView | OfferLandlordView,
    summary="Read an offer",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def get_offer(
    offer_id: uuid.UUID, uow: UoW, principal: StaffOrLandlord, checker: Checker
) -> OfferLandlordView | OfferStaffView:
    return await offers.get_offer(uow, offer_id=offer_id, principal=principal, rules=checker.rules)


@router.post(
    "/{offer_id}/decision",
    status_code=202,
    response_model=OfferLandlordView,
    summary="Accept, or decline with an allowed code; pending until matching confirms",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
)
async def decide_offer(
    offer_id: uuid.UUID,
    body: OfferDecision,
    request: Request,
    principal: Landlord,
    runtime: Runtime,
    checker: Checker,
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: offers.decide_offer(
            uow,
            offer_id=offer_id,
            principal=principal,
            decision=body,
            rules=checker.rules,
            now=runtime.db.clock(),
        ),
        status_code=202,
    )
