"""Rounds: create (202), read, snapshot, explanations, approve."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from matching.deps import Caseworker, Runner, Supervisor
from matching.pagination import decode_cursor
from matching.schemas import (
    ApprovalView,
    ExplanationView,
    OfferPage,
    RoundAccepted,
    RoundCreate,
    RoundPage,
    RoundView,
)
from matching.service import approval, offers, rounds
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1/rounds", tags=["rounds"])
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post(
    "",
    status_code=202,
    response_model=RoundAccepted,
    summary="Start a round over a scope: the seed's hash now, the proposals when it completes",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422),
)
async def create_round(
    body: RoundCreate, request: Request, principal: Caseworker, runtime: Runtime, runner: Runner
) -> Response:
    response = await runtime.idempotency.run(
        request,
        principal,
        lambda uow: rounds.create_round(
            uow,
            policy=runtime.policy,
            programme=body.programme,
            comuni=body.comuni,
            created_by=principal.id,
            now=runtime.db.clock(),
        ),
        status_code=202,
    )
    runner.wake()
    return response


@router.get(
    "",
    response_model=RoundPage,
    summary="List rounds",
    responses=problem_responses(401, 403, 422),
)
async def list_rounds(
    uow: UoW,
    _principal: Caseworker,
    status: Annotated[str | None, Query(max_length=20, pattern=r"^[a-z_]+$")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> RoundPage:
    return await rounds.list_rounds(uow, after=decode_cursor(cursor), limit=limit, status=status)


@router.get(
    "/{round_id}",
    response_model=RoundView,
    summary="A round: status, seed hash (and seed once completed), statistics",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_round(round_id: uuid.UUID, uow: UoW, _principal: Caseworker) -> RoundView:
    return await rounds.get_round(uow, round_id=round_id)


@router.get(
    "/{round_id}/snapshot",
    response_model=dict[str, Any],
    summary="The round's pseudonymous input in matching-solve's format, with the revealed seed",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def get_snapshot(round_id: uuid.UUID, uow: UoW, _principal: Caseworker) -> dict[str, Any]:
    return await rounds.snapshot_problem(uow, round_id=round_id)


@router.get(
    "/{round_id}/explanations/{household_id}",
    response_model=ExplanationView,
    summary="Why a household was or was not matched in a round",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_explanation(
    round_id: uuid.UUID, household_id: uuid.UUID, uow: UoW, _principal: Caseworker
) -> ExplanationView:
    return await rounds.explanation(uow, round_id=round_id, household_id=household_id)


@router.post(
    "/{round_id}/approve",
    response_model=ApprovalView,
    summary="Approve a completed round: its proposals become offers with deadlines",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
)
async def approve_round(
    round_id: uuid.UUID, request: Request, principal: Supervisor, runtime: Runtime
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: approval.approve_round(
            uow,
            round_id=round_id,
            approved_by=principal.id,
            policy=runtime.policy,
            now=runtime.db.clock(),
        ),
        status_code=200,
    )


@router.get(
    "/{round_id}/offers",
    response_model=OfferPage,
    summary="The offers a round produced",
    responses=problem_responses(401, 403, 422),
)
async def round_offers(
    round_id: uuid.UUID, uow: UoW, _principal: Caseworker, cursor: Cursor = None, limit: Limit = 50
) -> OfferPage:
    return await offers.list_offers(
        uow, after=decode_cursor(cursor), limit=limit, round_id=round_id
    )
