"""The landlords service's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import DateTime, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the landlords service's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)


class Landlord(Row, table=True):
    __tablename__ = "landlord"

    id: uuid.UUID = Field(primary_key=True)
    legal_form: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    display_name: str = Field(max_length=200)
    codice_fiscale: str | None = Field(default=None, max_length=16, unique=True)
    partita_iva: str | None = Field(default=None, max_length=11, unique=True)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=16)
    preferred_channel: str = Field(max_length=10)
    language: str = Field(max_length=8)
    entity_version: int
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class ApiKey(Row, table=True):
    __tablename__ = "api_key"

    key_id: str = Field(primary_key=True, max_length=16)
    landlord_id: uuid.UUID = Field(foreign_key="landlord.id", index=True)
    secret_hash: str = Field(max_length=64)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_by: str | None = Field(default=None, max_length=100)
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    use_count: int = 0


class ApiKeyUse(Row, table=True):
    """One accepted use of a key: when, and which operation (route template, never the raw path)."""

    __tablename__ = "api_key_use"
    __table_args__ = (Index("ix_api_key_use_key_at", "key_id", "used_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_id: str = Field(max_length=16)
    used_at: datetime = Field(sa_type=DateTime(timezone=True))
    method: str = Field(max_length=8)
    route: str = Field(max_length=200)


class Unit(Row, table=True):
    """A unit as submitted (money in cents, surfaces in tenths of m2) with its verification state."""

    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("natural_key", name="uq_unit_natural_key"),
        Index("ix_unit_landlord_created", "landlord_id", "created_at", "id"),
        Index("ix_unit_status_created", "status", "created_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    landlord_id: uuid.UUID = Field(foreign_key="landlord.id")
    natural_key: str = Field(max_length=600)
    content_hash: str = Field(max_length=64)
    status: str = Field(max_length=20)
    held_for_review: bool = False
    review_keywords: str = Field(default="", max_length=2000)
    warnings: str = Field(default="[]", sa_type=Text)
    unit_reference: str = Field(default="", max_length=64)
    address: str = Field(max_length=200)
    comune: str = Field(max_length=80, index=True)
    zone: str | None = Field(default=None, max_length=64)
    cadastral_category: str | None = Field(default=None, max_length=8)
    surface_tenths: int
    conventional_surface_tenths: int | None = None
    rooms: int
    bedrooms: int
    floor: int | None = None
    lift: bool | None = None
    step_free: bool | None = None
    barrier_free: bool | None = None
    energy_class: str = Field(max_length=4)
    furnished: bool = False
    rent_cents: int
    charges_cents: int
    contract_type: str = Field(max_length=20)
    contract_term: str | None = Field(default=None, max_length=8)
    transitorio_months: int | None = None
    max_occupants: int | None = None
    pets_allowed: bool | None = None
    smoking_allowed: bool | None = None
    available_from: date | None = None
    min_contract_term: str | None = Field(default=None, max_length=8)
    notes: str = Field(default="", max_length=2000)
    unit_type: str = Field(max_length=20)
    band_ok: bool
    verification_outcome: str | None = Field(default=None, max_length=20)
    verification_reason: str | None = Field(default=None, max_length=64)
    verification_note: str | None = Field(default=None, max_length=2000)
    verified_by: str | None = Field(default=None, max_length=100)
    verified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    entity_version: int
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class Offer(Row, table=True):
    """The landlord's view of an offer matching made on one of its units, and its decision."""

    __tablename__ = "offer"
    __table_args__ = (Index("ix_offer_landlord_created", "landlord_id", "created_at", "id"),)

    id: uuid.UUID = Field(primary_key=True)
    unit_id: uuid.UUID = Field(index=True)
    landlord_id: uuid.UUID
    # Kept only to erase and export a household's part; never shown to the landlord.
    household_id: uuid.UUID | None = Field(default=None, index=True)
    programme: str | None = Field(default=None, max_length=10)
    household_size: int | None = None
    pets: bool | None = None
    smoker: bool | None = None
    respond_by: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    landlord_decide_by: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    visit_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    status: str = Field(max_length=30)
    entity_version: int
    decision: str | None = Field(default=None, max_length=10)
    decision_reason_code: str | None = Field(default=None, max_length=40)
    decision_reason_text: str | None = Field(default=None, max_length=2000)
    decision_state: str | None = Field(default=None, max_length=12)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
