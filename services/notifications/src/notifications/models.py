"""The notifications service's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, UniqueConstraint
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the notifications service's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)


class Message(Row, table=True):
    """A message to send: kind, non-personal params and recipient id; contacts are fetched at send
    time and bodies are never kept (RELIABILITY.md 4.1)."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "channel", "recipient_key", name="uq_message_event_channel_recipient"
        ),
        Index("ix_message_due", "state", "next_attempt_at"),
        Index("ix_message_recipient_channel_sent", "recipient_key", "channel", "sent_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    event_id: uuid.UUID
    channel: str = Field(max_length=10)
    recipient_kind: str = Field(max_length=20)
    recipient_key: uuid.UUID = Field(index=True)
    template: str = Field(max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    offer_id: uuid.UUID | None = None  # for the signed link, fetched from matching at send time
    language: str = Field(max_length=8)
    state: str = Field(max_length=20, index=True)
    attempts: int = 0
    error_code: str | None = Field(default=None, max_length=64)
    provider_message_id: str | None = Field(default=None, max_length=128)
    receipt_status: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    next_attempt_at: datetime = Field(sa_type=DateTime(timezone=True))
    claimed_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class OfferFact(Row, table=True):
    """What later offer events do not repeat (comune, unit, size): kept from matching.offer.made."""

    __tablename__ = "offer_fact"

    offer_id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    landlord_id: uuid.UUID
    unit_id: uuid.UUID
    programme: str = Field(max_length=10)
    comune: str = Field(max_length=80)
    respond_by: datetime = Field(sa_type=DateTime(timezone=True))
    open: bool = True
    reminded: bool = False


class UnitFact(Row, table=True):
    """A unit's comune, for landlord messages whose event does not carry it."""

    __tablename__ = "unit_fact"

    unit_id: uuid.UUID = Field(primary_key=True)
    landlord_id: uuid.UUID
    comune: str = Field(max_length=80)
    reference: str | None = Field(default=None, max_length=64)  # the landlord's label
    published: bool = False  # a re-publication after a change is not news to the landlord
