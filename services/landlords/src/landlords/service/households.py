"""What the landlords service holds on a household: its export part, and its erasure."""

from __future__ import annotations

import uuid

from landlords import repository
from landlords.schemas import HouseholdExportPart, HouseholdOfferExport
from landlords.service.offers import KEPT_BY_LAW
from shared.db import UnitOfWork
from shared.events import landlords, registry


async def export_household(uow: UnitOfWork, *, household_id: uuid.UUID) -> HouseholdExportPart:
    """Offers made to the household on landlords' units and the landlords' answers (Art. 15)."""
    rows = await repository.offers_of_household(uow.session, household_id=household_id)
    return HouseholdExportPart(
        household_id=household_id,
        offers=[
            HouseholdOfferExport(
                offer_id=r.id,
                unit_id=r.unit_id,
                programme=r.programme,
                status=r.status,
                landlord_decision=r.decision,
                landlord_reason_code=r.decision_reason_code,
                landlord_reason_text=r.decision_reason_text,
                decided_at=r.decided_at,
                created_at=r.created_at,
            )
            for r in rows
        ],
    )


async def erase_household(uow: UnitOfWork, *, event: registry.HouseholdErased) -> None:
    """Delete the household's offers (tenancies kept by law lose the link), then confirm."""
    await repository.erase_household_offers(
        uow.session, household_id=event.household_id, kept_statuses=KEPT_BY_LAW
    )
    uow.emit(
        landlords.HouseholdErasureConfirmed(
            household_id=event.household_id, erasure_id=event.erasure_id, occurred_at=uow.clock()
        )
    )
