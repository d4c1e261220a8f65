"""Household routes for caseworkers: register, import, list, read, update, statuses, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from registry.audit import Actor
from registry.routes.deps import Caseworker, Rules
from registry.schemas import HouseholdCreate, HouseholdUpdate, StatusChangeIn, WithdrawIn
from registry.service import households, importing, lifecycle, steps
from registry.views import (
    EligibilityHistory,
    HouseholdCaseworkerView,
    HouseholdPage,
    ImportResult,
    StatusHistory,
)
from shared.db import new_id
from shared.errors import FieldError, Invalid
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["households"])
# NUL and control characters never reach a query: PostgreSQL rejects them (RELIABILITY 3.4).
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"

HouseholdId = uuid.UUID
StatusFilter = Literal[
    "draft", "submitted", "verified", "eligible", "ineligible", "offered", "housed",
    "suspended", "excluded", "expired", "withdrawn",
]  # fmt: skip
CategoryFilter = Literal[
    "police_or_firefighter", "local_category", "sat_emergency", "new_family",
    "social_services_referral",
]  # fmt: skip


@router.post(
    "/households",
    status_code=201,
    response_model=HouseholdCaseworkerView,
    summary="Register a household, or keep a draft (Idempotency-Key required)",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422),
)
async def register_household(
    body: HouseholdCreate, request: Request, principal: Caseworker, runtime: Runtime, rules: Rules
) -> Response:
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: households.register(
            uow,
            data=body,
            rules=rules,
            actor=Actor.of(principal),
            household_id=new_id(),
            now=runtime.db.clock(),
        ),
    )


@router.get(
    "/households/import/template",
    summary="The CSV template of a caseload import",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_responses(401, 403),
    },
    response_class=Response,
)
async def import_template(_principal: Caseworker) -> Response:
    return Response(content=importing.template(), media_type="text/csv")


@router.post(
    "/households/import",
    status_code=200,
    response_model=ImportResult,
    summary="Import a caseload from CSV: per-row results, duplicates by codice fiscale (keyed)",
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422),
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_households(
    request: Request, principal: Caseworker, runtime: Runtime, rules: Rules
) -> Response:
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid([FieldError("/body", "encoding", "the CSV must be UTF-8")]) from None
    if "\x00" in text:
        raise Invalid([FieldError("/body", "nul_byte", "the CSV contains a NUL byte")])
    return await runtime.idempotency.run(
        request,
        principal,
        lambda uow: importing.import_caseload(
            uow,
            text=text,
            rules=rules,
            actor=Actor.of(principal),
            new_id=new_id,
            now=runtime.db.clock(),
        ),
        status_code=200,
    )


@router.get(
    "/households",
    response_model=HouseholdPage,
    summary="List households by priority (highest first), filtered and paginated",
    responses=problem_responses(401, 403, 422),
)
async def list_households(
    uow: UoW,
    principal: Caseworker,
    runtime: Runtime,
    status: StatusFilter | None = None,
    programme: Literal["sap", "sas", "agency"] | None = None,
    comune: Annotated[str | None, Query(max_length=80, pattern=NO_CONTROL)] = None,
    category: CategoryFilter | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> HouseholdPage:
    return await households.list_page(
        uow,
        status=status,
        programme=programme,
        comune=comune,
        category=category,
        cursor=cursor,
        limit=limit,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.get(
    "/households/{household_id}",
    response_model=HouseholdCaseworkerView,
    summary="Read a household (audited: special-category data)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_household(
    household_id: HouseholdId, uow: UoW, principal: Caseworker, runtime: Runtime, rules: Rules
) -> HouseholdCaseworkerView:
    return await households.read(
        uow,
        household_id=household_id,
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.patch(
    "/households/{household_id}",
    response_model=HouseholdCaseworkerView,
    summary="Update a household; re-assesses and re-emits the profile",
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
)
async def update_household(
    household_id: HouseholdId,
    body: HouseholdUpdate,
    uow: UoW,
    principal: Caseworker,
    runtime: Runtime,
    rules: Rules,
) -> HouseholdCaseworkerView:
    return await households.update(
        uow,
        household_id=household_id,
        patch=body,
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.post(
    "/households/{household_id}/submit",
    response_model=HouseholdCaseworkerView,
    summary="Submit a draft",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def submit_household(
    household_id: HouseholdId, uow: UoW, principal: Caseworker, runtime: Runtime, rules: Rules
) -> HouseholdCaseworkerView:
    return await steps.submit(
        uow,
        household_id=household_id,
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.post(
    "/households/{household_id}/verify",
    response_model=HouseholdCaseworkerView,
    summary="Record that the documents were checked: verified, then eligible or ineligible",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def verify_household(
    household_id: HouseholdId, uow: UoW, principal: Caseworker, runtime: Runtime, rules: Rules
) -> HouseholdCaseworkerView:
    return await steps.verify(
        uow,
        household_id=household_id,
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.get(
    "/households/{household_id}/eligibility",
    response_model=EligibilityHistory,
    summary="Eligibility per programme with reasons, and its history (audited)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_eligibility(
    household_id: HouseholdId, uow: UoW, principal: Caseworker, runtime: Runtime
) -> EligibilityHistory:
    return await lifecycle.eligibility(
        uow, household_id=household_id, actor=Actor.of(principal), now=runtime.db.clock()
    )


@router.get(
    "/households/{household_id}/status",
    response_model=StatusHistory,
    summary="Programme statuses with who/when/why for every change",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_status(household_id: HouseholdId, uow: UoW, _principal: Caseworker) -> StatusHistory:
    return await lifecycle.status_history(uow, household_id=household_id)


@router.post(
    "/households/{household_id}/status",
    response_model=StatusHistory,
    summary="Suspend, exclude or lift a programme status (illegal transitions: 409)",
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
)
async def change_status(
    household_id: HouseholdId,
    body: StatusChangeIn,
    uow: UoW,
    principal: Caseworker,
    runtime: Runtime,
    rules: Rules,
) -> StatusHistory:
    return await lifecycle.change_status(
        uow,
        household_id=household_id,
        data=body,
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.post(
    "/households/{household_id}/withdraw",
    response_model=HouseholdCaseworkerView,
    summary="Withdraw the application from every programme",
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
)
async def withdraw_household(
    household_id: HouseholdId,
    uow: UoW,
    principal: Caseworker,
    runtime: Runtime,
    rules: Rules,
    body: WithdrawIn | None = None,
) -> HouseholdCaseworkerView:
    return await steps.withdraw(
        uow,
        household_id=household_id,
        data=body or WithdrawIn(),
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )
