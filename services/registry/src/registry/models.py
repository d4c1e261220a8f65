"""The registry's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Numeric, Uuid, text
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the registry's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)


def _at() -> Any:
    return DateTime(timezone=True)


def _household_fk() -> Any:
    return Column(
        Uuid(), ForeignKey("household.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Household(Row, table=True):
    """One application. PII columns are nullable: erasure clears them and keeps a minimal record."""

    __tablename__ = "household"

    id: uuid.UUID = Field(primary_key=True)
    reference: str | None = Field(default=None, max_length=64)
    state: str = Field(max_length=20, index=True)  # draft | submitted | withdrawn | erased
    size: int
    has_minors: bool = False
    residence_comune: str | None = Field(default=None, max_length=80, index=True)
    work_comune: str | None = Field(default=None, max_length=80)
    resides_in_lombardy: bool = False
    works_in_lombardy: bool = False
    language: str = Field(max_length=8)
    # Identity-adjacent and protected-ground facts (class R, J).
    legal_status: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    properties: list[Any] | None = Field(default=None, sa_type=JSON)
    exclusion_events: list[Any] | None = Field(default=None, sa_type=JSON)
    prior_public_ownership: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    eviction: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    housing_condition: str | None = Field(default=None, max_length=20)
    categories: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    category_codes: str = Field(default=",", max_length=200)  # ",code,code," for filtering
    # Economic (class E), integer cents.
    isee_cents: int | None = None
    isee_issued_on: date | None = None
    isee_scale: Decimal | None = Field(default=None, sa_type=Numeric(6, 4))
    net_monthly_income_cents: int | None = None
    rent_support_cents: int | None = None
    financial_assets_cents: int | None = None
    real_estate_assets_cents: int | None = None
    isbar: Decimal | None = Field(default=None, sa_type=Numeric(5, 2))
    # Needs and preferences.
    needs: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    preferences: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # Contacts and consents (class I).
    email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, max_length=20)
    preferred_channel: str | None = Field(default=None, max_length=10)
    consents: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # Derived.
    priority_score: int = 0
    priority_lines: list[Any] | None = Field(default=None, sa_type=JSON)
    legal_hold: bool = False
    restricted: bool = False
    entity_version: int
    application_time: datetime | None = Field(default=None, sa_type=_at())
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(sa_type=_at())
    updated_at: datetime = Field(sa_type=_at())
    closed_at: datetime | None = Field(default=None, sa_type=_at())


class HouseholdMember(Row, table=True):
    """A person of the household; the applicant is the member with relation `applicant`."""

    __tablename__ = "household_member"
    __table_args__ = (
        # A codice fiscale sits on at most one active application: the constraint is the guard.
        Index(
            "uq_household_member_active_cf",
            "codice_fiscale",
            unique=True,
            sqlite_where=text("active = 1"),
            postgresql_where=text("active"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(sa_column=_household_fk())
    position: int
    relation: str = Field(max_length=20)
    given_name: str = Field(max_length=200)
    family_name: str = Field(max_length=200)
    codice_fiscale: str = Field(max_length=16)
    birth_date: date
    active: bool = True


class HouseholdDisability(Row, table=True):
    """Special-category data (GDPR art. 9): read only by staff endpoints, every read audited."""

    __tablename__ = "household_disability"

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(sa_column=_household_fk())
    member_position: int
    category: str = Field(max_length=20)
    disability_pct: int
    severe_handicap: bool = False
    certificate_reference: str | None = Field(default=None, max_length=64)
    valid_until: date | None = None


class EligibilityRecord(Row, table=True):
    """One programme's assessment; every re-evaluation appends one (the history)."""

    __tablename__ = "eligibility_record"

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(sa_column=_household_fk())
    programme: str = Field(max_length=10)
    eligible: bool
    failures: list[Any] = Field(sa_type=JSON)  # [{reason, message}]
    eligible_until: date | None = None
    policy_version: str = Field(max_length=64)
    entity_version: int
    assessed_at: datetime = Field(sa_type=_at())


class ProgrammeStatusRow(Row, table=True):
    __tablename__ = "programme_status"

    household_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("household.id", ondelete="CASCADE"), primary_key=True)
    )
    programme: str = Field(primary_key=True, max_length=10)
    status: str = Field(max_length=20, index=True)
    until: date | None = None
    reasons: list[Any] = Field(default_factory=list, sa_type=JSON)
    updated_at: datetime = Field(sa_type=_at())


class StatusChange(Row, table=True):
    """Who changed which programme status, when and why (codes only)."""

    __tablename__ = "status_change"

    seq: int | None = Field(default=None, primary_key=True)
    household_id: uuid.UUID = Field(sa_column=_household_fk())
    programme: str = Field(max_length=10)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason_code: str | None = Field(default=None, max_length=64)
    until: date | None = None
    actor_kind: str = Field(max_length=20)
    actor_id: str = Field(max_length=100)
    at: datetime = Field(sa_type=_at())


class RefusalRecord(Row, table=True):
    """A classified household refusal reported by matching; one per offer."""

    __tablename__ = "refusal_record"

    offer_id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(sa_column=_household_fk())
    programme: str = Field(max_length=10)
    reason_code: str = Field(max_length=64)
    classification: str = Field(max_length=20)
    refused_at: datetime = Field(sa_type=_at())
    action: str = Field(max_length=30)
    recorded_at: datetime = Field(sa_type=_at())


class AuditRecord(Row, table=True):
    """Append-only, hash-chained (RELIABILITY §3.7): no names, contacts, tokens or bodies."""

    __tablename__ = "audit_record"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_type=_at())
    actor_kind: str = Field(max_length=20)
    actor_id: str = Field(max_length=100)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=40)
    object_id: str | None = Field(default=None, max_length=64)
    outcome: str = Field(max_length=20)
    request_id: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class ErasureRequest(Row, table=True):
    __tablename__ = "erasure_request"

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    outcome: str = Field(max_length=20)  # erased | restricted
    reason_code: str = Field(max_length=64)
    expected_services: list[Any] = Field(sa_type=JSON)
    requested_by: str = Field(max_length=100)
    requested_at: datetime = Field(sa_type=_at())
    completed_at: datetime | None = Field(default=None, sa_type=_at())


class ErasureConfirmation(Row, table=True):
    __tablename__ = "erasure_confirmation"

    erasure_id: uuid.UUID = Field(primary_key=True)
    service: str = Field(primary_key=True, max_length=40)
    household_id: uuid.UUID
    confirmed_at: datetime = Field(sa_type=_at())
