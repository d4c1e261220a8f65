"""The notifications service's API schemas: delivery metadata, never message bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from shared.events.base import Language


class MessageView(BaseModel):
    """A message's delivery record: template and its non-personal parameters, never a body."""

    id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    recipient_kind: str
    recipient_key: uuid.UUID
    template: str
    params: dict[str, Any]
    offer_id: uuid.UUID | None
    language: str
    state: str
    attempts: int
    error_code: str | None
    receipt_status: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


class MessagePage(BaseModel):
    items: list[MessageView]


class Rendering(BaseModel):
    """A message rendered again for a caseworker; the signed link is replaced by a placeholder."""

    message_id: uuid.UUID
    channel: Literal["email", "sms"]
    language: Language
    subject: str | None
    text: str
    html: str | None


class ReceiptAck(BaseModel):
    message_id: uuid.UUID
    applied: bool


class HouseholdExportPart(BaseModel):
    """The notifications service's part of a household's export (RELIABILITY.md 4.5)."""

    service: str = "notifications"
    household_id: uuid.UUID
    messages: list[MessageView]
