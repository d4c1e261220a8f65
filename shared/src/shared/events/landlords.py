"""Events the landlords service publishes: landlords, units and their decisions, by pseudonymous id."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from shared.events.base import Code, ComuneName, EntityEvent, Euros, Event, Programme, SquareMetres

# The landlord's own label for a unit ("Via Roma 3, int. 2"); only ever shown back to that landlord.
UnitLabel = Annotated[str, StringConstraints(min_length=1, max_length=64)]
LeaseTerm = Annotated[str, StringConstraints(max_length=5, pattern=r"^[0-9]{1,2}\+[0-9]{1,2}$")]
EnergyClass = Literal["A4", "A3", "A2", "A1", "B", "C", "D", "E", "F", "G"]
UnitStatus = Literal[
    "submitted",
    "in_verification",
    "published",
    "needs_works",
    "rejected",
    "offered",
    "let",
    "withdrawn",
]


class LandlordOnboarded(EntityEvent):
    subject: ClassVar[str] = "landlords.landlord.onboarded.v1"

    landlord_id: uuid.UUID


class UnitSubmitted(EntityEvent):
    """A unit arrived (one or through an import); the landlord is told it was received."""

    subject: ClassVar[str] = "landlords.unit.submitted.v1"

    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    status: UnitStatus
    comune: ComuneName
    held_for_review: bool = False
    unit_reference: UnitLabel | None = None


class UnitPublished(EntityEvent):
    """A verified unit with every fact matching needs (DOMAIN.md 5.3); re-sent with a higher version on change."""

    subject: ClassVar[str] = "landlords.unit.published.v1"

    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    status: UnitStatus = "published"
    programme: Programme = "agency"
    comune: ComuneName
    unit_reference: UnitLabel | None = None
    zone: Code | None = None
    building_id: uuid.UUID | None = None
    available_from: date | None = None
    area_m2: SquareMetres
    rooms: int = Field(ge=1, le=20)
    bedrooms: int | None = Field(default=None, ge=0, le=20)
    floor: int | None = Field(default=None, ge=-2, le=50)
    lift: bool = False
    step_free: bool | None = None
    barrier_free: bool = False
    no_transit: bool = False
    rent_eur: Euros
    charges_eur: Euros
    band_ok: bool
    contract_type: Code
    max_occupants: int | None = Field(default=None, ge=1, le=30)
    pets_allowed: bool = True
    smoking_allowed: bool = True
    needs_works: bool = False
    # Added by the landlords service (additive, v1): lease terms and features for fit and filters.
    contract_term: LeaseTerm | None = None
    min_contract_term: LeaseTerm | None = None
    transitorio_months: int | None = Field(default=None, ge=1, le=99)
    furnished: bool | None = None
    energy_class: EnergyClass | None = None


class UnitRejected(EntityEvent):
    subject: ClassVar[str] = "landlords.unit.rejected.v1"

    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    reason_code: Code


class UnitWithdrawn(EntityEvent):
    """The unit is no longer on offer; matching withdraws any open offer on it."""

    subject: ClassVar[str] = "landlords.unit.withdrawn.v1"

    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    reason_code: Code | None = None


class OfferAnswered(Event):
    """The landlord's decision after the visit; matching is the authority on whether it still counts."""

    subject: ClassVar[str] = "landlords.offer.answered.v1"

    offer_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    decision: Literal["accept", "decline"]
    reason_code: Code | None = None


class HouseholdErasureConfirmed(Event):
    subject: ClassVar[str] = "landlords.household.erased.v1"

    household_id: uuid.UUID
    erasure_id: uuid.UUID
