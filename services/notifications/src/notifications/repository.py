"""All of the notifications service's SQL."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.models import Message


async def add_message_once(session: AsyncSession, *, message: Message) -> bool:
    """Insert unless (event, channel, recipient) already has a message; True if inserted."""
    existing = (
        await session.execute(
            select(col(Message.id)).where(
                col(Message.event_id) == message.event_id,
                col(Message.channel) == message.channel,
                col(Message.recipient_key) == message.recipient_key,
            )
        )
    ).first()
    if existing is not None:
        return False
    session.add(message)
    await session.flush()
    return True


async def get_message(session: AsyncSession, *, message_id: uuid.UUID) -> Message | None:
    return await session.get(Message, message_id)


async def list_messages(
    session: AsyncSession, *, recipient_key: uuid.UUID | None, state: str | None, limit: int
) -> list[Message]:
    query = select(Message).order_by(col(Message.created_at).desc(), col(Message.id)).limit(limit)
    if recipient_key is not None:
        query = query.where(col(Message.recipient_key) == recipient_key)
    if state is not None:
        query = query.where(col(Message.state) == state)
    return list((await session.execute(query)).scalars())


async def delete_messages_of(session: AsyncSession, *, recipient_key: uuid.UUID) -> None:
    await session.execute(delete(Message).where(col(Message.recipient_key) == recipient_key))
