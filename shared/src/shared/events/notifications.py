"""Events the notifications service publishes: delivery outcomes, never content."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from shared.events.base import Code, Event

Channel = Literal["email", "sms"]
RecipientKind = Literal["household", "landlord"]


class MessageSent(Event):
    subject: ClassVar[str] = "notifications.message.sent.v1"

    message_id: uuid.UUID
    source_event_id: uuid.UUID
    channel: Channel
    recipient_kind: RecipientKind
    recipient_id: uuid.UUID
    template: Code


class MessageFailed(Event):
    subject: ClassVar[str] = "notifications.message.failed.v1"

    message_id: uuid.UUID
    source_event_id: uuid.UUID
    channel: Channel
    recipient_kind: RecipientKind
    recipient_id: uuid.UUID
    template: Code
    error_code: Code


class HouseholdErasureConfirmed(Event):
    subject: ClassVar[str] = "notifications.household.erased.v1"

    household_id: uuid.UUID
    erasure_id: uuid.UUID
