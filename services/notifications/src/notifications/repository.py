"""All of the notifications service's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.delivery_errors import MAYBE_SENT
from notifications.models import Message, OfferFact, UnitFact

SENT_STATES = ("sent", "delivered")


@dataclass(frozen=True, kw_only=True)
class MessageFilter:
    recipient_key: uuid.UUID | None = None
    state: str | None = None
    channel: str | None = None
    template: str | None = None
    min_attempts: int | None = None
    params: dict[str, str] | None = None


async def add_message_once(session: AsyncSession, *, message: Message) -> bool:
    """Insert unless (event, channel, recipient) already has a message; True if inserted.

    The unique constraint is the guard; this lookup only spares the common redelivery a failed
    insert (a concurrent copy of the event blocks on the consumer's inbox row first)."""
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
    return await session.get(Message, message_id, populate_existing=True)


async def list_messages(
    session: AsyncSession, *, where: MessageFilter, limit: int
) -> list[Message]:
    query = select(Message).order_by(col(Message.created_at).desc(), col(Message.id)).limit(limit)
    if where.recipient_key is not None:
        query = query.where(col(Message.recipient_key) == where.recipient_key)
    if where.state is not None:
        query = query.where(col(Message.state) == where.state)
    if where.channel is not None:
        query = query.where(col(Message.channel) == where.channel)
    if where.template is not None:
        query = query.where(col(Message.template) == where.template)
    if where.min_attempts is not None:
        query = query.where(col(Message.attempts) >= where.min_attempts)
    rows = list((await session.execute(query)).scalars())
    if where.params:
        # Params are small JSON documents of known kinds; filtering here keeps one SQL for both backends.
        rows = [r for r in rows if all(str(r.params.get(k)) == v for k, v in where.params.items())]
    return rows


async def messages_of(session: AsyncSession, *, recipient_key: uuid.UUID) -> list[Message]:
    query = (
        select(Message)
        .where(col(Message.recipient_key) == recipient_key)
        .order_by(col(Message.created_at), col(Message.id))
    )
    return list((await session.execute(query)).scalars())


async def delete_messages_of(session: AsyncSession, *, recipient_key: uuid.UUID) -> None:
    await session.execute(delete(Message).where(col(Message.recipient_key) == recipient_key))


async def delete_finished_before(session: AsyncSession, *, before: datetime) -> None:
    """Retention (RELIABILITY.md 4.4): finished delivery records go after 90 days."""
    await session.execute(
        delete(Message).where(
            col(Message.created_at) < before,
            col(Message.state).in_(("sent", "delivered", "failed", "skipped")),
        )
    )
    await session.execute(
        delete(OfferFact).where(~col(OfferFact.open), col(OfferFact.respond_by) < before)
    )


# --- the sender's claims (RELIABILITY.md R8) ------------------------------------------------------


async def due_message_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[uuid.UUID]:
    return [message_id for message_id, _ in await due_messages(session, now=now, limit=limit)]


async def due_messages(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(message id, recipient key) of the messages due at `now`, oldest first."""
    query = (
        select(col(Message.id), col(Message.recipient_key))
        .where(
            or_(
                (col(Message.state) == "pending") & (col(Message.next_attempt_at) <= now),
                (col(Message.state) == "sending") & (col(Message.claimed_until) < now),
            )
        )
        .order_by(col(Message.next_attempt_at), col(Message.id))
        .limit(limit)
    )
    return [(row[0], row[1]) for row in await session.execute(query)]


async def claim(
    session: AsyncSession, *, message_id: uuid.UUID, now: datetime, until: datetime
) -> bool:
    """The R8 claim: only one sender holds a message until `until`; True if this one got it."""
    result = await session.execute(
        update(Message)
        .where(
            col(Message.id) == message_id,
            or_(
                (col(Message.state) == "pending") & (col(Message.next_attempt_at) <= now),
                (col(Message.state) == "sending") & (col(Message.claimed_until) < now),
            ),
        )
        .values(state="sending", claimed_until=until, attempts=Message.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def finish(session: AsyncSession, *, message_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Leave the `sending` state (sent, failed, skipped, or back to pending); False if not held.
    A delivery receipt that arrived before the mark turns `sent` into `delivered`."""
    if values.get("state") == "sent":
        values = values | {
            "state": case((col(Message.receipt_status) == "delivered", "delivered"), else_="sent")
        }
    result = await session.execute(
        update(Message)
        .where(col(Message.id) == message_id, col(Message.state) == "sending")
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def set_receipt(
    session: AsyncSession, *, message_id: uuid.UUID, values: dict[str, Any]
) -> bool:
    result = await session.execute(
        update(Message)
        .where(col(Message.id) == message_id, col(Message.channel) == "sms")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def record_receipt(
    session: AsyncSession, *, message_id: uuid.UUID, status: str, now: datetime
) -> None:
    delivered = status == "delivered"
    state = case(
        (col(Message.state) == "sent", "delivered" if delivered else "sent"),
        else_=col(Message.state),
    )
    await session.execute(
        update(Message)
        .where(col(Message.id) == message_id, col(Message.channel) == "sms")
        .values(receipt_status=status, state=state, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def count_sent(
    session: AsyncSession,
    *,
    channel: str,
    since: datetime,
    recipient_key: uuid.UUID | None = None,
    besides: uuid.UUID,
) -> int:
    """Messages of a channel sent since `since`, plus those that may have been: every other
    `sending` one (a live claim is in flight; an expired one may have reached the provider before
    its sender died) and those waiting to retry after a failure that may hide a send (R8)."""
    query = (
        select(func.count())
        .select_from(Message)
        .where(
            col(Message.channel) == channel,
            col(Message.id) != besides,
            or_(
                col(Message.state).in_(SENT_STATES) & (col(Message.sent_at) >= since),
                col(Message.state) == "sending",
                (col(Message.state) == "pending") & col(Message.error_code).in_(MAYBE_SENT),
            ),
        )
    )
    if recipient_key is not None:
        query = query.where(col(Message.recipient_key) == recipient_key)
    return int((await session.execute(query)).scalar() or 0)


# --- facts kept from events ----------------------------------------------------------------------


async def save_offer_fact(session: AsyncSession, *, fact: OfferFact) -> None:
    if await session.get(OfferFact, fact.offer_id) is None:
        session.add(fact)
        await session.flush()


async def get_offer_fact(session: AsyncSession, *, offer_id: uuid.UUID) -> OfferFact | None:
    return await session.get(OfferFact, offer_id)


async def close_offer(session: AsyncSession, *, offer_id: uuid.UUID) -> None:
    await session.execute(
        update(OfferFact).where(col(OfferFact.offer_id) == offer_id).values(open=False)
    )


async def offers_to_remind(
    session: AsyncSession, *, now: datetime, until: datetime, limit: int
) -> Sequence[OfferFact]:
    query = (
        select(OfferFact)
        .where(
            col(OfferFact.open),
            ~col(OfferFact.reminded),
            col(OfferFact.respond_by) > now,
            col(OfferFact.respond_by) <= until,
        )
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def mark_reminded(session: AsyncSession, *, offer_id: uuid.UUID) -> None:
    await session.execute(
        update(OfferFact).where(col(OfferFact.offer_id) == offer_id).values(reminded=True)
    )


async def delete_offer_facts_of(session: AsyncSession, *, household_id: uuid.UUID) -> None:
    await session.execute(delete(OfferFact).where(col(OfferFact.household_id) == household_id))


async def save_unit_fact(session: AsyncSession, *, fact: UnitFact) -> bool:
    """Insert or update; True if this made the unit published for the first time."""
    existing = await session.get(UnitFact, fact.unit_id)
    if existing is None:
        session.add(fact)
        await session.flush()
        return fact.published
    newly = fact.published and not existing.published
    existing.comune = fact.comune
    if fact.reference is not None:
        existing.reference = fact.reference
    existing.published = existing.published or fact.published
    await session.flush()
    return newly


async def get_unit_fact(session: AsyncSession, *, unit_id: uuid.UUID) -> UnitFact | None:
    return await session.get(UnitFact, unit_id)
