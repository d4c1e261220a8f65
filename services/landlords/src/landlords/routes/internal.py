"""Internal endpoints for other services, each open to one named service account only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from landlords.deps import Notifications, Registry
from landlords.schemas import HouseholdExportPart, LandlordContact
from landlords.service import households, landlords
from shared.runtime.deps import UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get(
    "/landlords/{landlord_id}/contact",
    response_model=LandlordContact,
    summary="A landlord's contact details at send time (svc-notifications)",
    responses=problem_responses(401, 403, 404, 422),
)
async def landlord_contact(
    landlord_id: uuid.UUID, uow: UoW, _principal: Notifications
) -> LandlordContact:
    return await landlords.landlord_contact(uow, landlord_id=landlord_id)


@router.get(
    "/households/{household_id}/export",
    response_model=HouseholdExportPart,
    summary="The landlords service's part of a household's export (svc-registry)",
    responses=problem_responses(401, 403, 422),
)
async def household_export(
    household_id: uuid.UUID, uow: UoW, _principal: Registry
) -> HouseholdExportPart:
    return await households.export_household(uow, household_id=household_id)
