"""Events the registry publishes: pseudonymous facts about households, never PII."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared.events.base import Code, ComuneName, EntityEvent, Event

Language = Literal["it", "en", "ro", "ar", "pa", "hi", "fr"]


class HouseholdRegistered(EntityEvent):
    """A household was registered; carries only what other services need to know right away."""

    subject: ClassVar[str] = "registry.household.registered.v1"

    household_id: uuid.UUID
    size: int = Field(ge=1, le=20)
    residence_comune: ComuneName | None = None
    language: Language = "it"
    application_time: datetime


class HouseholdErased(Event):
    """A GDPR erasure: every service deletes or anonymises what it holds and confirms."""

    subject: ClassVar[str] = "registry.household.erased.v1"

    household_id: uuid.UUID
    erasure_id: uuid.UUID
    reason_code: Code = "gdpr_art17"
