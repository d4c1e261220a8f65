"""The registry's response schemas, one per audience; routes never return rows as they are."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from registry.schemas import HouseholdFields


class ProgrammeStatusView(BaseModel):
    programme: str
    status: str
    until: date | None = None
    reasons: list[str] = []


class PriorityLineView(BaseModel):
    code: str
    points: int
    message: str


class PriorityView(BaseModel):
    score: int
    lines: list[PriorityLineView]
    explanation: list[str]
    isbar: Decimal | None = None


class FailureView(BaseModel):
    reason: str
    message: str


class EligibilityView(BaseModel):
    programme: str
    eligible: bool
    failures: list[FailureView]
    eligible_until: date | None
    policy_version: str
    assessed_at: datetime


class HouseholdCaseworkerView(HouseholdFields):
    """Everything the registry holds on a household, for caseworkers and supervisors only."""

    id: uuid.UUID
    state: str
    size: int
    programmes: list[ProgrammeStatusView]
    priority: PriorityView
    eligibility: list[EligibilityView]
    max_rent_cents: int | None
    indigent: bool
    legal_hold: bool
    entity_version: int
    application_time: datetime | None
    created_at: datetime
    updated_at: datetime


class ErasedHouseholdView(BaseModel):
    """What remains after an erasure: the id, the state and coarse statistics."""

    id: uuid.UUID
    state: str
    size: int
    residence_comune: str | None
    programmes: list[ProgrammeStatusView]


class HouseholdSummary(BaseModel):
    """A list row: no identity, economic or special-category data."""

    id: uuid.UUID
    reference: str | None
    state: str
    size: int
    residence_comune: str | None
    programmes: list[ProgrammeStatusView]
    priority_score: int
    application_time: datetime | None
    legal_hold: bool


class HouseholdPage(BaseModel):
    items: list[HouseholdSummary]
    next_cursor: str | None = None


class EligibilityHistory(BaseModel):
    household_id: uuid.UUID
    current: list[EligibilityView]
    history: list[EligibilityView]


class StatusChangeView(BaseModel):
    programme: str
    from_status: str | None
    to_status: str
    reason_code: str | None
    until: date | None
    actor_kind: str
    actor_id: str
    at: datetime


class StatusHistory(BaseModel):
    household_id: uuid.UUID
    programmes: list[ProgrammeStatusView]
    changes: list[StatusChangeView]


class ContactView(BaseModel):
    """For the notifications service at send time: channels it may use, language, consents."""

    household_id: uuid.UUID
    language: str
    email: str | None
    mobile: str | None
    preferred_channel: str | None
    channels: list[str]
    consents: dict[str, bool]


class ExportView(BaseModel):
    household_id: uuid.UUID
    generated_at: datetime
    registry: dict[str, Any]
    services: dict[str, Any]
    missing_services: list[str]


class ErasureView(BaseModel):
    erasure_id: uuid.UUID
    household_id: uuid.UUID
    outcome: str
    requested_at: datetime
    expected_services: list[str]
    confirmed_services: list[str]
    completed_at: datetime | None


class LegalHoldView(BaseModel):
    household_id: uuid.UUID
    legal_hold: bool


class ImportRowResult(BaseModel):
    row: int
    outcome: str  # created | duplicate | invalid
    household_id: uuid.UUID | None = None
    existing_household_id: uuid.UUID | None = None
    errors: list[dict[str, str]] = []


class ImportResult(BaseModel):
    rows: int
    created: int
    rejected: int
    results: list[ImportRowResult]


class AuditVerification(BaseModel):
    records: int
    ok: bool
    first_bad_seq: int | None
    head_seq: int | None
    head_hash: str | None
