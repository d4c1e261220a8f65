"""Events the matching service publishes: rounds, offers and tenancies."""

from __future__ import annotations

import uuid
from typing import ClassVar

from shared.events.base import Event


class HouseholdErasureConfirmed(Event):
    subject: ClassVar[str] = "matching.household.erased.v1"

    household_id: uuid.UUID
    erasure_id: uuid.UUID
