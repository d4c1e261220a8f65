"""Events the registry publishes: the pseudonymous matching profile and status facts, never PII."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import (
    Code,
    ComuneName,
    EntityEvent,
    Euros,
    Event,
    Language,
    Programme,
    Score,
)

HouseholdStatus = Literal[
    "draft",
    "submitted",
    "verified",
    "eligible",
    "ineligible",
    "offered",
    "housed",
    "suspended",
    "excluded",
    "withdrawn",
    "erased",
    "expired",
]
ReserveCategory = Literal["police_firefighter", "local_category"]


class ProgrammeEligibility(BaseModel):
    """One programme's outcome: reason codes only, never the figures behind them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    programme: Programme
    eligible: bool
    status: HouseholdStatus
    reason_codes: tuple[Code, ...] = Field(default=(), max_length=20)
    eligible_until: date | None = None


class MatchingProfile(BaseModel):
    """What matching may know of a household (DOMAIN.md 5.3): derived values, no identity, no exact income."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    programmes: tuple[ProgrammeEligibility, ...] = Field(max_length=3)
    size: int = Field(ge=1, le=20)
    has_minors: bool = False
    priority: int = Field(ge=0, le=100)
    isbar: Score | None = None
    application_time: datetime
    indigent: bool = False
    max_rent_eur: Euros | None = None
    rent_support_eur: Euros = Decimal(0)
    affordability_share_bp: int = Field(ge=0, le=10000)
    hard_ceiling_eur: Euros | None = None
    needs_step_free: bool = False
    wheelchair: bool = False
    prefers_low_floor: bool = False
    residence_comune: ComuneName | None = None
    work_comune: ComuneName | None = None
    acceptable_comuni: tuple[ComuneName, ...] = Field(default=(), max_length=60)
    pets: bool = False
    smoker: bool = False
    latest_move_in: date | None = None
    accepts_as_is: bool = False
    reserve_category: ReserveCategory | None = None
    legal_hold: bool = False


class HouseholdRegistered(EntityEvent):
    """A household was registered (submitted); notifications acknowledges, matching reads the profile."""

    subject: ClassVar[str] = "registry.household.registered.v1"

    household_id: uuid.UUID
    size: int = Field(ge=1, le=20)
    residence_comune: ComuneName | None = None
    language: Language = "it"
    application_time: datetime
    profile: MatchingProfile | None = None


class HouseholdUpdated(EntityEvent):
    """The household's profile changed (data, eligibility, priority, status); the newest version wins."""

    subject: ClassVar[str] = "registry.household.updated.v1"

    household_id: uuid.UUID
    profile: MatchingProfile


class EligibilityAssessed(EntityEvent):
    """Eligibility per programme with reason codes, for the household's message and the caseworker."""

    subject: ClassVar[str] = "registry.household.eligibility_assessed.v1"

    household_id: uuid.UUID
    programmes: tuple[ProgrammeEligibility, ...] = Field(max_length=3)
    policy_version: Code


class HouseholdStatusChanged(EntityEvent):
    """A programme status changed (suspended, excluded, housed, ...), with a reason code."""

    subject: ClassVar[str] = "registry.household.status_changed.v1"

    household_id: uuid.UUID
    programme: Programme
    status: HouseholdStatus
    previous_status: HouseholdStatus | None = None
    reason_code: Code | None = None
    until: date | None = None


class HouseholdWithdrawn(EntityEvent):
    subject: ClassVar[str] = "registry.household.withdrawn.v1"

    household_id: uuid.UUID
    reason_code: Code | None = None


class HouseholdErased(Event):
    """A GDPR erasure: every service deletes or anonymises what it holds and confirms."""

    subject: ClassVar[str] = "registry.household.erased.v1"

    household_id: uuid.UUID
    erasure_id: uuid.UUID
    reason_code: Code = "gdpr_art17"
