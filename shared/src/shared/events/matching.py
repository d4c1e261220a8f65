"""Events the matching service publishes: rounds, offers and tenancies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared.events.base import Code, ComuneName, EntityEvent, Euros, Event, Programme

Side = Literal["household", "landlord", "caseworker", "system"]
Classification = Literal["justified", "unjustified", "pending"]


class RoundCompleted(Event):
    """A round's proposals are ready for a supervisor; the seed is revealed here."""

    subject: ClassVar[str] = "matching.round.completed.v1"

    round_id: uuid.UUID
    programme: Programme
    seed_hash: Code
    proposals: int = Field(ge=0)
    unmatched: int = Field(ge=0)
    seed: Code | None = None
    snapshot_hash: Code | None = None
    kind: Code | None = None


class OfferMade(EntityEvent):
    """An approved proposal: the household and the landlord are told (landlord: DOMAIN.md 5.4 facts only)."""

    subject: ClassVar[str] = "matching.offer.made.v1"

    offer_id: uuid.UUID
    round_id: uuid.UUID | None = None
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    programme: Programme
    respond_by: datetime
    landlord_decide_by: datetime | None = None
    household_size: int = Field(ge=1, le=20)
    pets: bool = False
    smoker: bool = False
    comune: ComuneName
    rent_eur: Euros
    charges_eur: Euros


class OfferVisitBooked(EntityEvent):
    """The caseworker booked the household's visit of the unit (DOMAIN.md 2.1): both sides learn when."""

    subject: ClassVar[str] = "matching.offer.visit_booked.v1"

    offer_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    visit_at: datetime


class OfferAccepted(EntityEvent):
    """One side accepted; `by` says which."""

    subject: ClassVar[str] = "matching.offer.accepted.v1"

    offer_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    by: Side


class OfferDeclined(EntityEvent):
    """One side declined with a reason code; a household refusal carries its classification."""

    subject: ClassVar[str] = "matching.offer.declined.v1"

    offer_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    by: Side
    reason_code: Code
    classification: Classification | None = None


class RefusalClassified(EntityEvent):
    """A caseworker (or policy) classified a household's refusal; the registry applies the refusal policy."""

    subject: ClassVar[str] = "matching.refusal.classified.v1"

    offer_id: uuid.UUID
    household_id: uuid.UUID
    programme: Programme
    reason_code: Code
    classification: Literal["justified", "unjustified"]
    refused_at: datetime


class OfferExpired(EntityEvent):
    """A deadline passed; `no_response` when the household never answered (a refusal follows)."""

    subject: ClassVar[str] = "matching.offer.expired.v1"

    offer_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    no_response: bool = False


class OfferWithdrawn(EntityEvent):
    subject: ClassVar[str] = "matching.offer.withdrawn.v1"

    offer_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    reason_code: Code


class HouseholdUnmatched(Event):
    """A household in an approved round got no proposal; the reason code drives a plain-language message."""

    subject: ClassVar[str] = "matching.household.unmatched.v1"

    round_id: uuid.UUID
    household_id: uuid.UUID
    reason_code: Code


class TenancyAgreed(EntityEvent):
    subject: ClassVar[str] = "matching.tenancy.agreed.v1"

    offer_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID


class HouseholdErasureConfirmed(Event):
    subject: ClassVar[str] = "matching.household.erased.v1"

    household_id: uuid.UUID
    erasure_id: uuid.UUID
