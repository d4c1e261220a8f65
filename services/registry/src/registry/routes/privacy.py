"""Supervisor routes: GDPR export and erasure, legal hold, audit chain verification."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from registry import audit, export_parts
from registry.audit import Actor
from registry.routes.deps import Rules, Supervisor
from registry.schemas import ErasureIn, LegalHoldIn
from registry.service import erasure, privacy
from registry.views import AuditVerification, ErasureView, ExportView, LegalHoldView
from shared.auth import require_recent_sign_in
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["privacy"])


def peers(runtime: Runtime) -> list[str]:
    return list(getattr(runtime.settings, "peer_services", []))


@router.get(
    "/households/{household_id}/export",
    response_model=ExportView,
    summary="Everything every service holds on a household (GDPR art. 15)",
    responses=problem_responses(401, 403, 404, 422),
)
async def export_household(
    household_id: uuid.UUID, uow: UoW, principal: Supervisor, runtime: Runtime, rules: Rules
) -> ExportView:
    fetch = export_parts.fetcher(
        services=peers(runtime),
        urls=runtime.settings.service_urls,
        token_for=lambda service: runtime.service_token(audience=service),
    )
    return await privacy.export(
        uow,
        household_id=household_id,
        rules=rules,
        fetch_parts=fetch,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.delete(
    "/households/{household_id}",
    response_model=ErasureView,
    summary="Erase a household (GDPR art. 17); under legal hold, restrict instead",
    description="A supervisor who signed in within `erasure_sign_in_max_age_s` (default 5 min);"
    " an older sign-in gets 401 `reauthentication-required` (RFC 9470).",
    responses=problem_responses(401, 403, 404, 413, 415, 422),
)
async def erase_household(
    household_id: uuid.UUID,
    uow: UoW,
    principal: Supervisor,
    runtime: Runtime,
    rules: Rules,
    body: ErasureIn | None = None,
) -> ErasureView:
    max_age = float(getattr(runtime.settings, "erasure_sign_in_max_age_s", 300.0))
    require_recent_sign_in(principal, now=runtime.db.clock(), max_age_s=max_age)
    return await erasure.erase(
        uow,
        household_id=household_id,
        reason_code=(body or ErasureIn()).reason_code,
        services=peers(runtime),
        infra=runtime.db.infra,
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.get(
    "/households/{household_id}/erasure",
    response_model=ErasureView,
    summary="The latest erasure request and the services that confirmed it",
    responses=problem_responses(401, 403, 404, 422),
)
async def erasure_status(household_id: uuid.UUID, uow: UoW, _principal: Supervisor) -> ErasureView:
    return await erasure.erasure_status(uow, household_id=household_id)


@router.put(
    "/households/{household_id}/legal-hold",
    response_model=LegalHoldView,
    summary="Set or lift a legal hold (an erasure then restricts instead of deleting)",
    responses=problem_responses(401, 403, 404, 413, 415, 422),
)
async def set_legal_hold(
    household_id: uuid.UUID,
    body: LegalHoldIn,
    uow: UoW,
    principal: Supervisor,
    runtime: Runtime,
    rules: Rules,
) -> LegalHoldView:
    return await privacy.set_legal_hold(
        uow,
        household_id=household_id,
        data=body,
        rules=rules,
        actor=Actor.of(principal),
        now=runtime.db.clock(),
    )


@router.get(
    "/audit/verify",
    response_model=AuditVerification,
    summary="Verify the audit chain, against a published anchor when given, and show its head",
    responses=problem_responses(401, 403, 422),
)
async def verify_audit(
    uow: UoW,
    _principal: Supervisor,
    anchor_seq: Annotated[int | None, Query(ge=1)] = None,
    anchor_hash: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None,
) -> AuditVerification:
    anchor = (anchor_seq, anchor_hash) if anchor_seq and anchor_hash else None
    return await audit.verification(uow, anchor=anchor)
