"""The matching service's API schemas (requests closed with extra="forbid")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

ComuneName = Annotated[
    str, StringConstraints(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f]*$")
]
RoundProgramme = Literal["agency", "sas"]
# DOMAIN.md 4.8; NO_RESPONSE is recorded by the expiry sweep, never given.
HouseholdReason = Literal[
    "COST_ABOVE_HARD_CAP",
    "UNIT_NOT_AS_DESCRIBED",
    "UNIT_UNSAFE",
    "HEALTH_INCOMPATIBLE",
    "FAMILY_CHANGE",
    "WORK_OR_CARE_DISTANCE",
    "OTHER_SERIOUS_DOCUMENTED",
    "PREFERENCE",
    "VISIT_NO_SHOW",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyView(BaseModel):
    version: str
    sections: list[str]


class PoolView(BaseModel):
    """What the next round would start from: households and units in the read models."""

    households: int
    households_by_comune: dict[str, int]
    units: int = 0
    eligible: dict[str, int] = Field(
        default_factory=dict,
        description="Per programme, the households a round could take today (DOMAIN 4.1): "
        "eligible and within the eligibility's validity, in a matchable status, not on hold.",
    )


class RoundCreate(_Request):
    programme: RoundProgramme = "agency"
    comuni: list[ComuneName] = Field(default_factory=list, max_length=60)


class RoundAccepted(BaseModel):
    id: uuid.UUID
    status: str
    seed_hash: str
    snapshot_hash: str
    households: int
    units: int


class RoundView(BaseModel):
    id: uuid.UUID
    kind: str
    programme: str
    comuni: list[str]
    status: str
    policy_version: str
    seed_hash: str
    seed: str | None = Field(description="Revealed once the round completes")
    snapshot_hash: str
    snapshot_redacted: bool
    result_status: str | None
    proposals: int
    unmatched: int
    stats: dict[str, Any] | None
    created_at: datetime
    completed_at: datetime | None
    approved_at: datetime | None


class RoundPage(BaseModel):
    items: list[RoundView]
    next_cursor: str | None


class ExplanationView(BaseModel):
    round_id: uuid.UUID
    household_id: uuid.UUID
    outcome: str = Field(description="MATCHED, or the unmatched reason code")
    unit_id: uuid.UUID | None
    detail: dict[str, Any]


class ApprovalView(BaseModel):
    round_id: uuid.UUID
    status: str
    offers: int
    skipped: int = Field(description="Proposals whose unit or household was taken meanwhile")
    unmatched: int


class OfferView(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    programme: str
    status: str
    open: bool
    respond_by: datetime
    landlord_decide_by: datetime
    household_answer: str | None
    household_reason: str | None
    classification: str | None
    landlord_answer: str | None
    landlord_reason: str | None
    visit_at: datetime | None = None
    created_at: datetime


class VisitBooking(_Request):
    """When the household will visit the unit, as arranged by the caseworker with both sides."""

    visit_at: AwareDatetime


class OfferPage(BaseModel):
    items: list[OfferView]
    next_cursor: str | None


class OfferResponse(_Request):
    """A household's answer: accept, or decline with a DOMAIN.md 4.8 reason code."""

    answer: Literal["accept", "decline"]
    reason_code: HouseholdReason | None = None

    @model_validator(mode="after")
    def _reason_with_decline(self) -> OfferResponse:
        if (self.answer == "decline") != (self.reason_code is not None):
            raise ValueError("a decline needs a reason_code; an acceptance takes none")
        return self


class RefusalClassification(_Request):
    classification: Literal["justified", "unjustified"]


class LinkView(BaseModel):
    offer_id: uuid.UUID
    url: str
    expires_at: datetime


class SimulationRequest(_Request):
    programme: RoundProgramme = "agency"
    comuni: list[ComuneName] = Field(default_factory=list, max_length=60)
    policy: dict[Annotated[str, StringConstraints(max_length=100)], Any] = Field(
        default_factory=dict, max_length=50, description="Flat policy overrides, as matching-solve"
    )


class SimulationSide(BaseModel):
    matched: int
    unmatched: int
    matched_by_comune: dict[str, int]
    unmatched_by_reason: dict[str, int]
    stats: dict[str, Any]


class SimulationView(BaseModel):
    households: int
    units: int
    baseline: SimulationSide
    variant: SimulationSide
    newly_matched: list[uuid.UUID]
    no_longer_matched: list[uuid.UUID]
    changed_unit: list[uuid.UUID]


class HouseholdExport(BaseModel):
    household_id: uuid.UUID
    profile: dict[str, Any] | None
    statuses: dict[str, Any]
    offers: list[OfferView]
    outcomes: list[ExplanationView]
    tenancies: list[dict[str, Any]]
