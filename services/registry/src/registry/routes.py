"""The registry's HTTP routes: thin, each parses, calls one service function and returns."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from registry import service
from registry.schemas import HouseholdCaseworkerView, HouseholdCreate, HouseholdPage
from shared.auth import Authorize, Principal
from shared.db import new_id
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["households"])

Caseworker = Annotated[Principal, Depends(Authorize(roles={"caseworker"}))]


@router.post(
    "/households",
    status_code=201,
    response_model=HouseholdCaseworkerView,
    summary="Register a household (Idempotency-Key required)",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422),
)
async def register_household(
    body: HouseholdCreate, request: Request, principal: Caseworker, runtime: Runtime
) -> Response:
    comuni = runtime.policy.comune_names()
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: service.register_household(
            uow,
            data=body,
            comuni=comuni,
            actor=principal.id,
            household_id=new_id(),
            now=runtime.db.clock(),
        ),
    )


@router.get(
    "/households",
    response_model=HouseholdPage,
    summary="List households, paginated",
    responses=problem_responses(401, 403, 422),
)
async def list_households(
    uow: UoW,
    _principal: Caseworker,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> HouseholdPage:
    return await service.list_households(uow, status=status, cursor=cursor, limit=limit)


@router.get(
    "/households/{household_id}",
    response_model=HouseholdCaseworkerView,
    summary="Read a household",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_household(
    household_id: uuid.UUID, uow: UoW, _principal: Caseworker
) -> HouseholdCaseworkerView:
    return await service.get_household(uow, household_id=household_id)
