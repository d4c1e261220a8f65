"""Events as the other services publish them, for the notifications service tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.events import landlords, matching, registry


def registered(household_id: uuid.UUID, *, language: Any = "it") -> registry.HouseholdRegistered:
    return registry.HouseholdRegistered(
        household_id=household_id,
        entity_version=1,
        size=3,
        language=language,
        application_time=datetime.now(UTC),
    )


def eligibility(household_id: uuid.UUID, *, eligible: bool) -> registry.EligibilityAssessed:
    return registry.EligibilityAssessed(
        household_id=household_id,
        entity_version=2,
        policy_version="2026.1",
        programmes=(
            registry.ProgrammeEligibility(
                programme="agency",
                eligible=eligible,
                status="eligible" if eligible else "ineligible",
                reason_codes=() if eligible else ("ISEE_ABOVE_MAX",),
            ),
        ),
    )


def suspended(household_id: uuid.UUID) -> registry.HouseholdStatusChanged:
    return registry.HouseholdStatusChanged(
        household_id=household_id,
        entity_version=3,
        programme="agency",
        status="suspended",
        reason_code="DOCUMENTS_EXPIRED",
    )


def offer_made(
    household_id: uuid.UUID, landlord_id: uuid.UUID, *, unit_id: uuid.UUID | None = None
) -> matching.OfferMade:
    return matching.OfferMade(
        entity_version=1,
        offer_id=uuid.uuid4(),
        household_id=household_id,
        unit_id=unit_id or uuid.uuid4(),
        landlord_id=landlord_id,
        programme="agency",
        respond_by=datetime.now(UTC) + timedelta(days=10),
        household_size=3,
        comune="Cremona",
        rent_eur=Decimal("450.00"),
        charges_eur=Decimal("60.00"),
    )


def follow(made: matching.OfferMade, cls: Any, version: int, **extra: Any) -> Any:
    return cls(
        entity_version=version,
        offer_id=made.offer_id,
        household_id=made.household_id,
        unit_id=made.unit_id,
        landlord_id=made.landlord_id,
        **extra,
    )


def unit_submitted(landlord_id: uuid.UUID, unit_id: uuid.UUID) -> landlords.UnitSubmitted:
    return landlords.UnitSubmitted(
        entity_version=1,
        unit_id=unit_id,
        landlord_id=landlord_id,
        status="submitted",
        comune="Crema",
    )


def unit_rejected(landlord_id: uuid.UUID, unit_id: uuid.UUID) -> landlords.UnitRejected:
    return landlords.UnitRejected(
        entity_version=2, unit_id=unit_id, landlord_id=landlord_id, reason_code="RENT_OUTSIDE_BAND"
    )


def unmatched(household_id: uuid.UUID) -> matching.HouseholdUnmatched:
    return matching.HouseholdUnmatched(
        round_id=uuid.uuid4(), household_id=household_id, reason_code="OUTRANKED"
    )
