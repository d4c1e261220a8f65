"""The notifications service's use cases; they never commit (the boundary does)."""

from __future__ import annotations

import uuid
from datetime import datetime

from notifications import repository
from notifications.errors import MessageNotFound
from notifications.models import Message
from notifications.schemas import MessagePage, MessageView
from shared.db import UnitOfWork
from shared.events import notifications


async def queue_message(
    uow: UnitOfWork,
    *,
    event_id: uuid.UUID,
    channel: str,
    recipient_kind: str,
    recipient_key: uuid.UUID,
    template: str,
    language: str,
    message_id: uuid.UUID,
    now: datetime,
) -> bool:
    """Record a pending message; a redelivered event finds it already there and adds nothing."""
    return await repository.add_message_once(
        uow.session,
        message=Message(
            id=message_id,
            event_id=event_id,
            channel=channel,
            recipient_kind=recipient_kind,
            recipient_key=recipient_key,
            template=template,
            language=language,
            state="pending",
            created_at=now,
        ),
    )


async def get_message(uow: UnitOfWork, *, message_id: uuid.UUID) -> MessageView:
    row = await repository.get_message(uow.session, message_id=message_id)
    if row is None:
        raise MessageNotFound()
    return MessageView.model_validate(row, from_attributes=True)


async def list_messages(
    uow: UnitOfWork, *, recipient_key: uuid.UUID | None, state: str | None, limit: int
) -> MessagePage:
    rows = await repository.list_messages(
        uow.session, recipient_key=recipient_key, state=state, limit=limit
    )
    return MessagePage(items=[MessageView.model_validate(r, from_attributes=True) for r in rows])


async def erase_household(
    uow: UnitOfWork, *, household_id: uuid.UUID, erasure_id: uuid.UUID, now: datetime
) -> None:
    await repository.delete_messages_of(uow.session, recipient_key=household_id)
    uow.emit(
        notifications.HouseholdErasureConfirmed(
            household_id=household_id, erasure_id=erasure_id, occurred_at=now
        )
    )
