"""The notifications service's tables; its own metadata, so its database holds only its own tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, UniqueConstraint
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from shared.db import infra_tables


class Row(SQLModel, registry=orm_registry()):
    """Base of the notifications service's tables."""


metadata = Row.metadata
infra = infra_tables(metadata)


class Message(Row, table=True):
    """A message to send: template and recipient id only; contacts are fetched at send time, bodies never kept."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "channel", "recipient_key", name="uq_message_event_channel_recipient"
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    event_id: uuid.UUID
    channel: str = Field(max_length=10)
    recipient_kind: str = Field(max_length=20)
    recipient_key: uuid.UUID = Field(index=True)
    template: str = Field(max_length=64)
    language: str = Field(max_length=8)
    state: str = Field(max_length=20, index=True)
    attempts: int = 0
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
