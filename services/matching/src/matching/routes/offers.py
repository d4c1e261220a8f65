"""Offers: list, read, the household's answer recorded by a caseworker, refusal classification."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from matching.deps import Caseworker
from matching.pagination import decode_cursor
from matching.schemas import (
    OfferPage,
    OfferResponse,
    OfferView,
    RefusalClassification,
    VisitBooking,
)
from matching.service import offers
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1/offers", tags=["offers"])


@router.get(
    "",
    response_model=OfferPage,
    summary="List offers, with filters",
    responses=problem_responses(401, 403, 422),
)
async def list_offers(
    uow: UoW,
    _principal: Caseworker,
    household_id: uuid.UUID | None = None,
    round_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(max_length=30, pattern=r"^[a-z_]+$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> OfferPage:
    return await offers.list_offers(
        uow,
        after=decode_cursor(cursor),
        limit=limit,
        round_id=round_id,
        household_id=household_id,
        status=status,
    )


@router.get(
    "/{offer_id}",
    response_model=OfferView,
    summary="Read an offer",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_offer(offer_id: uuid.UUID, uow: UoW, _principal: Caseworker) -> OfferView:
    return await offers.get_offer(uow, offer_id=offer_id)


@router.post(
    "/{offer_id}/response",
    response_model=OfferView,
    summary="Record the household's answer on its behalf: accept, or decline with a reason code",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
)
async def respond(
    offer_id: uuid.UUID,
    body: OfferResponse,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: offers.respond(
            uow,
            offer_id=offer_id,
            response=body,
            by="caseworker",
            actor=principal.id,
            policy=runtime.policy,
            now=runtime.db.clock(),
        ),
        status_code=200,
    )


@router.post(
    "/{offer_id}/classification",
    response_model=OfferView,
    summary="Classify a pending household refusal as justified or unjustified",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
)
async def classify(
    offer_id: uuid.UUID,
    body: RefusalClassification,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: offers.classify_refusal(
            uow,
            offer_id=offer_id,
            classification=body.classification,
            by=principal.id,
            now=runtime.db.clock(),
        ),
        status_code=200,
    )


@router.post(
    "/{offer_id}/visit",
    response_model=OfferView,
    summary="Book (or move) the household's visit of the unit; household and landlord learn the date",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
)
async def book_visit(
    offer_id: uuid.UUID,
    body: VisitBooking,
    request: Request,
    principal: Caseworker,
    runtime: Runtime,
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: offers.book_visit(
            uow, offer_id=offer_id, visit_at=body.visit_at, now=runtime.db.clock()
        ),
        status_code=200,
    )
