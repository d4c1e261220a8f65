"""The matching service's HTTP routes: thin, each parses, calls one service function and returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from matching import service
from matching.schemas import PolicyView, PoolView
from shared.auth import Authorize, Principal
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["matching"])

Caseworker = Annotated[Principal, Depends(Authorize(roles={"caseworker"}))]


@router.get(
    "/pool",
    response_model=PoolView,
    summary="Households in matching's read model, by comune",
    responses=problem_responses(401, 403),
)
async def pool(uow: UoW, _principal: Caseworker) -> PoolView:
    return await service.pool(uow)


@router.get(
    "/policies",
    response_model=list[PolicyView],
    summary="The policy versions",
    responses=problem_responses(401, 403),
)
async def policies(runtime: Runtime, _principal: Caseworker) -> list[PolicyView]:
    return service.policies(runtime.policy)
