"""API schemas around units besides the submission itself: patch, views, verification, import, incentives."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from landlords.unit_schemas import (
    ContractType,
    EnergyClass,
    Euros,
    FreeText,
    Name,
    ShortText,
    SquareMetres,
    Term,
    UnitFilters,
)

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
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")]


class UnitUpdate(BaseModel):
    """A JSON merge patch of a unit: only the fields given change; the result is validated whole."""

    model_config = ConfigDict(extra="forbid")

    unit_reference: ShortText | None = None
    address: Name | None = None
    comune: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] | None = None
    zone: ShortText | None = None
    cadastral_category: Annotated[str, StringConstraints(pattern=r"^[A-F]/[0-9]{1,2}$")] | None = (
        None
    )
    surface_m2: SquareMetres | None = None
    conventional_surface_m2: SquareMetres | None = None
    rooms: int | None = Field(default=None, ge=1, le=50)
    bedrooms: int | None = Field(default=None, ge=0, le=50)
    floor: int | None = Field(default=None, ge=-5, le=99)
    lift: bool | None = None
    step_free: bool | None = None
    barrier_free: bool | None = None
    energy_class: EnergyClass | None = None
    furnished: bool | None = None
    monthly_rent_eur: Euros | None = None
    service_charges_eur: Euros | None = None
    contract_type: ContractType | None = None
    contract_term: Term | None = None
    transitorio_months: int | None = Field(default=None, ge=1, le=99)
    filters: UnitFilters | None = None
    notes: FreeText | None = None


class Problem(BaseModel):
    pointer: str
    code: str
    message: str


class Verification(BaseModel):
    outcome: str
    reason_code: str | None
    note: str | None
    at: datetime


class UnitLandlordView(BaseModel):
    """A unit as its landlord sees it."""

    id: uuid.UUID
    status: UnitStatus
    held_for_review: bool
    warnings: list[Problem]
    verification: Verification | None
    unit_reference: str
    address: str
    comune: str
    zone: str | None
    cadastral_category: str | None
    surface_m2: Decimal
    conventional_surface_m2: Decimal | None
    rooms: int
    bedrooms: int
    floor: int | None
    lift: bool | None
    step_free: bool | None
    barrier_free: bool | None
    energy_class: str
    furnished: bool
    monthly_rent_eur: Decimal
    service_charges_eur: Decimal
    contract_type: str
    contract_term: str | None
    transitorio_months: int | None
    filters: UnitFilters
    notes: str
    unit_type: str
    band_ok: bool
    created_at: datetime
    updated_at: datetime


class UnitStaffView(UnitLandlordView):
    """A unit as caseworkers see it: whose it is and why it was held."""

    landlord_id: uuid.UUID
    review_keywords: list[str]


class UnitPage(BaseModel):
    # Staff first: a landlord's item lacks the staff-only fields, so it validates as the landlord view.
    items: list[UnitStaffView | UnitLandlordView]
    next_cursor: str | None = None


class VerificationOutcome(BaseModel):
    """A caseworker's step: take it up, approve, needs works or reject (with a reason)."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["in_verification", "approve", "needs_works", "reject"]
    reason_code: ReasonCode | None = None
    note: FreeText | None = None
    notes_reviewed: bool = False
    corrections: UnitUpdate | None = None


class WithdrawResult(BaseModel):
    unit: UnitLandlordView


class ImportRowView(BaseModel):
    row: int
    status: Literal["created", "updated", "unchanged", "error"]
    unit_id: uuid.UUID | None = None
    errors: list[Problem] = []
    warnings: list[Problem] = []


class ImportResultView(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: int
    rows: list[ImportRowView]


class GuaranteeView(BaseModel):
    max_months: int
    tenant_repay_min_months: int
    claim_after_months: int


class TaxView(BaseModel):
    """Reference values only: the agency does not compute tax."""

    cedolare_secca_rate: Decimal
    cedolare_secca_reduced: bool
    imu_share_of_rate: Decimal | None


class IncentivesView(BaseModel):
    unit_id: uuid.UUID
    contract_type: str
    contract_term: str | None
    one_off_grant_eur: Decimal | None
    guarantee: GuaranteeView | None
    renovation_grant_max_eur: Decimal | None
    tax: TaxView
