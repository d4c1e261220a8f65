"""Internal endpoints for other services: offer links (notifications), export parts (registry)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from matching.deps import Keys, NotificationsService, RegistryService
from matching.schemas import HouseholdExport, LinkView
from matching.service import links, privacy
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get(
    "/offers/{offer_id}/link",
    response_model=LinkView,
    summary="The household's signed link for an open offer (notifications, at send time)",
    responses=problem_responses(401, 403, 404, 422),
)
async def offer_link(
    offer_id: uuid.UUID, uow: UoW, runtime: Runtime, keys: Keys, _principal: NotificationsService
) -> LinkView:
    settings = runtime.settings
    return await links.issue_link(
        uow,
        offer_id=offer_id,
        keys=keys,
        base_url=str(getattr(settings, "public_base_url", "")),
        now=runtime.db.clock(),
    )


@router.get(
    "/households/{household_id}/export",
    response_model=HouseholdExport,
    summary="What matching holds about a household (its part of an Art. 15 export)",
    responses=problem_responses(401, 403, 404, 422),
)
async def export_household(
    household_id: uuid.UUID, uow: UoW, _principal: RegistryService
) -> HouseholdExport:
    return await privacy.export_household(uow, household_id=household_id)
