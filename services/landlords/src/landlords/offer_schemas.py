"""API schemas of offers on landlords' units: only the facts DOMAIN 5.4 lets a landlord see."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from landlords.unit_schemas import FreeText


class LandlordRefusal(StrEnum):
    """The only grounds on which a landlord may refuse a proposed household (DOMAIN 4.8)."""

    VISIT_NO_SHOW = "VISIT_NO_SHOW"
    OCCUPANCY_MISMATCH = "OCCUPANCY_MISMATCH"
    PETS_MISMATCH = "PETS_MISMATCH"
    SMOKING_MISMATCH = "SMOKING_MISMATCH"
    MOVE_IN_DATE_MISMATCH = "MOVE_IN_DATE_MISMATCH"
    UNIT_NO_LONGER_AVAILABLE = "UNIT_NO_LONGER_AVAILABLE"
    OTHER_REVIEWED = "OTHER_REVIEWED"


class OfferDecision(BaseModel):
    """Accept, or decline with an allowed code; OTHER_REVIEWED needs a text a caseworker reviews."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "decline"]
    reason_code: LandlordRefusal | None = None
    reason_text: FreeText | None = None

    @model_validator(mode="after")
    def _reason_matches_decision(self) -> OfferDecision:
        if self.decision == "accept" and (self.reason_code or self.reason_text):
            raise ValueError("An acceptance carries no refusal reason.")
        if self.decision == "decline" and self.reason_code is None:
            raise ValueError("A decline needs a reason_code from the allowed list.")
        if self.reason_code is LandlordRefusal.OTHER_REVIEWED and not (
            self.reason_text and self.reason_text.strip()
        ):
            raise ValueError("OTHER_REVIEWED needs a reason_text for the caseworker.")
        return self


class OfferLandlordView(BaseModel):
    """What a landlord sees before both sides accept: no identity, priority, ISEE or ceiling."""

    id: uuid.UUID
    unit_id: uuid.UUID
    programme: str | None
    household_size: int | None
    pets: bool | None
    smoker: bool | None
    agency_guarantee: bool
    respond_by: datetime | None
    landlord_decide_by: datetime | None
    # The visit the caseworker booked with the household (DOMAIN.md 2.1), once booked.
    visit_at: datetime | None = None
    status: str
    open: bool
    decision: str | None
    decision_reason_code: str | None
    decision_state: str | None
    decided_at: datetime | None
    created_at: datetime

    @field_validator(
        "respond_by", "landlord_decide_by", "visit_at", "decided_at", "created_at", mode="after"
    )
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """Every time is stored in UTC; SQLite reads it back without its zone."""
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


class OfferStaffView(OfferLandlordView):
    landlord_id: uuid.UUID
    household_id: uuid.UUID | None
    decision_reason_text: str | None


class OfferPage(BaseModel):
    # Staff first: a landlord's item lacks the staff-only fields, so it validates as the landlord view.
    items: list[OfferStaffView | OfferLandlordView]
    next_cursor: str | None = None
