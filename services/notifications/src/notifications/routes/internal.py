"""Internal endpoints for other services' credentials only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from notifications import service
from notifications.deps import RegistryService
from notifications.schemas import HouseholdExportPart
from shared.runtime.deps import UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get(
    "/households/{household_id}/export",
    response_model=HouseholdExportPart,
    summary="The notifications service's part of a household's export (svc-registry)",
    responses=problem_responses(401, 403, 422),
)
async def household_export(
    household_id: uuid.UUID, uow: UoW, _principal: RegistryService
) -> HouseholdExportPart:
    return await service.export_household(uow, household_id=household_id)
