"""Events the landlords service publishes: landlords and units, by pseudonymous id."""

from __future__ import annotations

import uuid
from typing import ClassVar

from shared.events.base import EntityEvent, Event


class LandlordOnboarded(EntityEvent):
    subject: ClassVar[str] = "landlords.landlord.onboarded.v1"

    landlord_id: uuid.UUID


class HouseholdErasureConfirmed(Event):
    subject: ClassVar[str] = "landlords.household.erased.v1"

    household_id: uuid.UUID
    erasure_id: uuid.UUID
