"""The notifications service's API schemas: delivery metadata, never message bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class MessageView(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    recipient_kind: str
    recipient_key: uuid.UUID
    template: str
    language: str
    state: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None


class MessagePage(BaseModel):
    items: list[MessageView]
