"""Internal routes for other services' credentials only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from registry.audit import Actor
from registry.routes.deps import NotificationsService
from registry.service import privacy
from registry.views import ContactView
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get(
    "/households/{household_id}/contact",
    response_model=ContactView,
    summary="Contact channels, language and consents at send time (svc-notifications; audited)",
    responses=problem_responses(401, 403, 404, 422),
)
async def household_contact(
    household_id: uuid.UUID, uow: UoW, principal: NotificationsService, runtime: Runtime
) -> ContactView:
    return await privacy.contact(
        uow, household_id=household_id, actor=Actor.of(principal), now=runtime.db.clock()
    )
