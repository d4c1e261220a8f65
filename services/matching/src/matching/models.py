"""The matching service's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import DateTime, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the matching service's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)

# Offer states of DOMAIN.md 2.2 that hold the unit and the household (RELIABILITY.md R9).
OPEN_STATES = (
    "approved",
    "sent",
    "visit_booked",
    "accepted_by_household",
    "confirmed_by_landlord",
)
_OPEN_SQL = "status IN ('approved', 'sent', 'visit_booked', 'accepted_by_household', 'confirmed_by_landlord')"


def _partial(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows matching `where`, on PostgreSQL and SQLite alike."""
    return Index(
        name,
        *columns,
        unique=True,
        postgresql_where=text(where),
        sqlite_where=text(where),
    )


class HouseholdProfile(Row, table=True):
    """The pseudonymous matching profile of a household (DOMAIN.md 5.3), kept current from events.

    `profile` is the registry's MatchingProfile as JSON; `statuses` maps programme -> [status,
    version], so a status change and a profile update converge whatever order they arrive in.
    """

    __tablename__ = "household_profile"

    household_id: uuid.UUID = Field(primary_key=True)
    entity_version: int
    profile_version: int = 0
    size: int
    residence_comune: str | None = Field(default=None, max_length=80)
    application_time: datetime = Field(sa_type=DateTime(timezone=True))
    profile: str | None = Field(default=None, sa_type=Text)
    statuses: str = Field(default="{}", sa_type=Text)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class ErasedHousehold(Row, table=True):
    """A tombstone (id only): a late or replayed registry event never recreates an erased profile."""

    __tablename__ = "erased_household"

    household_id: uuid.UUID = Field(primary_key=True)
    erased_at: datetime = Field(sa_type=DateTime(timezone=True))


class UnitListing(Row, table=True):
    """A unit as the landlords service last published it; `facts` is the UnitPublished payload."""

    __tablename__ = "unit_listing"

    unit_id: uuid.UUID = Field(primary_key=True)
    entity_version: int
    landlord_id: uuid.UUID
    programme: str = Field(max_length=10)
    comune: str = Field(max_length=80)
    status: str = Field(max_length=20)
    facts: str | None = Field(default=None, sa_type=Text)
    published_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class Round(Row, table=True):
    """A match round (R12): scope, seed (revealed when completed), snapshot and its hash, statistics."""

    __tablename__ = "match_round"
    __table_args__ = (
        _partial("uq_round_running_scope", "scope_key", where="status = 'running'"),
        Index("ix_round_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=20)  # "round" | "reoptimisation"
    programme: str = Field(max_length=10)
    comuni: str = Field(default="[]", sa_type=Text)
    scope_key: str = Field(max_length=200)
    status: str = Field(max_length=20)  # running | completed | approved | failed
    policy_version: str = Field(max_length=64)
    seed: str = Field(max_length=64)
    seed_hash: str = Field(max_length=64)
    snapshot: str = Field(sa_type=Text)
    snapshot_hash: str = Field(max_length=64)
    snapshot_redacted: bool = False
    result_status: str | None = Field(default=None, max_length=30)
    stats: str | None = Field(default=None, sa_type=Text)
    proposals: int = 0
    unmatched: int = 0
    lease_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    attempts: int = 0
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    approved_by: str | None = Field(default=None, max_length=100)
    approved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class RoundOutcome(Row, table=True):
    """One household's outcome in a round: a proposal (unit_id set) or a reason, with its explanation."""

    __tablename__ = "round_outcome"
    __table_args__ = (
        UniqueConstraint("round_id", "household_id", name="uq_outcome_round_household"),
        _partial("uq_outcome_round_unit", "round_id", "unit_id", where="unit_id IS NOT NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: uuid.UUID = Field(foreign_key="match_round.id", index=True)
    household_id: uuid.UUID = Field(index=True)
    unit_id: uuid.UUID | None = None
    reason: str = Field(max_length=30)  # MATCHED or an unmatched reason code
    explanation: str = Field(sa_type=Text)


class Offer(Row, table=True):
    """An approved proposal and its lifecycle (DOMAIN.md 2.2), guarded by the R9 indexes."""

    __tablename__ = "offer"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", name="uq_offer_round_unit"),
        _partial("uq_offer_open_unit", "unit_id", where=_OPEN_SQL),
        _partial("uq_offer_open_household", "household_id", where=_OPEN_SQL),
        Index("ix_offer_status_respond_by", "status", "respond_by"),
        Index("ix_offer_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    round_id: uuid.UUID = Field(foreign_key="match_round.id", index=True)
    household_id: uuid.UUID = Field(index=True)
    unit_id: uuid.UUID = Field(index=True)
    landlord_id: uuid.UUID
    programme: str = Field(max_length=10)
    status: str = Field(max_length=30)
    version: int = 1
    respond_by: datetime = Field(sa_type=DateTime(timezone=True))
    landlord_decide_by: datetime = Field(sa_type=DateTime(timezone=True))
    household_answer: str | None = Field(default=None, max_length=10)
    household_reason: str | None = Field(default=None, max_length=64)
    household_answered_by: str | None = Field(default=None, max_length=100)
    household_answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    classification: str | None = Field(default=None, max_length=12)
    classified_by: str | None = Field(default=None, max_length=100)
    classified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    landlord_answer: str | None = Field(default=None, max_length=10)
    landlord_reason: str | None = Field(default=None, max_length=64)
    visit_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    landlord_answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class Tenancy(Row, table=True):
    """Both sides accepted: at most one active tenancy per unit and per household (R9)."""

    __tablename__ = "tenancy"
    __table_args__ = (
        _partial("uq_tenancy_active_unit", "unit_id", where="ended_at IS NULL"),
        _partial("uq_tenancy_active_household", "household_id", where="ended_at IS NULL"),
    )

    id: uuid.UUID = Field(primary_key=True)
    offer_id: uuid.UUID = Field(foreign_key="offer.id", unique=True)
    household_id: uuid.UUID
    unit_id: uuid.UUID
    landlord_id: uuid.UUID
    agreed_at: datetime = Field(sa_type=DateTime(timezone=True))
    move_in: date | None = None
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class LinkToken(Row, table=True):
    """A household link's claims (RELIABILITY.md 3.1): the jti and what it opens, never the token."""

    __tablename__ = "link_token"

    jti: str = Field(primary_key=True, max_length=32)
    kid: int
    purpose: str = Field(max_length=20)
    offer_id: uuid.UUID = Field(index=True)
    household_id: uuid.UUID = Field(index=True)
    pair_jti: str | None = Field(default=None, max_length=32)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
