"""The notifications service's use cases; they never commit (the boundary does)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import cast

from notifications import planning, repository
from notifications.catalog import CATALOG, MessageKind
from notifications.errors import MessageNotFound
from notifications.models import Message, OfferFact, UnitFact
from notifications.planning import OfferFacts, Plan
from notifications.repository import MessageFilter
from notifications.schemas import HouseholdExportPart, MessagePage, MessageView, ReceiptAck
from notifications.sms_delivery import DeliveryReceipt
from shared.db import UnitOfWork
from shared.events import notifications
from shared.events.notifications import RecipientKind


def reminder_event_id(offer_id: uuid.UUID) -> uuid.UUID:
    """The reminder has no event of its own: a fixed id per offer keeps it to one per channel."""
    return uuid.uuid5(offer_id, "notifications.offer_reminder")


async def queue(uow: UnitOfWork, *, event_id: uuid.UUID, plans: list[Plan], now: datetime) -> int:
    """A pending row per plan and channel the kind uses; a redelivered event adds nothing.

    Consent is checked at send time against the registry's current answer, so an opt-out made
    after the event still counts; the row of a channel without consent ends `skipped`."""
    added = 0
    for plan in plans:
        for channel in sorted(CATALOG[plan.kind].channels):
            added += await repository.add_message_once(
                uow.session,
                message=Message(
                    id=uuid.uuid4(),
                    event_id=event_id,
                    channel=channel,
                    recipient_kind=plan.recipient_kind,
                    recipient_key=plan.recipient_key,
                    template=plan.kind.value,
                    params=plan.params.model_dump(mode="json"),
                    offer_id=plan.offer_id,
                    language=plan.language,
                    state="pending",
                    created_at=now,
                    next_attempt_at=now,
                    updated_at=now,
                ),
            )
    return added


async def remember_offer(uow: UnitOfWork, *, facts: OfferFacts) -> None:
    await repository.save_offer_fact(
        uow.session,
        fact=OfferFact(
            offer_id=facts.offer_id,
            household_id=facts.household_id,
            landlord_id=facts.landlord_id,
            unit_id=facts.unit_id,
            programme=facts.programme,
            comune=facts.comune,
            respond_by=facts.respond_by,
        ),
    )


async def offer_facts(uow: UnitOfWork, *, offer_id: uuid.UUID) -> OfferFacts | None:
    row = await repository.get_offer_fact(uow.session, offer_id=offer_id)
    if row is None:
        return None
    return OfferFacts(
        offer_id=row.offer_id,
        household_id=row.household_id,
        landlord_id=row.landlord_id,
        unit_id=row.unit_id,
        programme=row.programme,  # type: ignore[arg-type]
        comune=row.comune,
        # SQLite hands datetimes back naive; every stored one is UTC.
        respond_by=row.respond_by.replace(tzinfo=row.respond_by.tzinfo or UTC),
        unit_ref=planning.unit_label(row.unit_id, await unit_reference(uow, unit_id=row.unit_id)),
    )


async def close_offer(uow: UnitOfWork, *, offer_id: uuid.UUID) -> None:
    await repository.close_offer(uow.session, offer_id=offer_id)


async def remember_unit(
    uow: UnitOfWork,
    *,
    unit_id: uuid.UUID,
    landlord_id: uuid.UUID,
    comune: str,
    reference: str | None = None,
    published: bool = False,
) -> bool:
    """Keep the unit's comune and label; True when this is its first publication."""
    fact = UnitFact(
        unit_id=unit_id,
        landlord_id=landlord_id,
        comune=comune,
        reference=reference,
        published=published,
    )
    return await repository.save_unit_fact(uow.session, fact=fact)


async def unit_reference(uow: UnitOfWork, *, unit_id: uuid.UUID) -> str | None:
    row = await repository.get_unit_fact(uow.session, unit_id=unit_id)
    return row.reference if row is not None else None


async def unit_comune(uow: UnitOfWork, *, unit_id: uuid.UUID) -> str | None:
    row = await repository.get_unit_fact(uow.session, unit_id=unit_id)
    return row.comune if row is not None else None


async def queue_reminders(uow: UnitOfWork, *, lead: timedelta, now: datetime) -> int:
    """Reminders for open offers whose deadline is within `lead`; each offer is reminded once."""
    queued = 0
    for row in await repository.offers_to_remind(uow.session, now=now, until=now + lead, limit=100):
        facts = await offer_facts(uow, offer_id=row.offer_id)
        if facts is None:
            continue
        queued += await queue(
            uow,
            event_id=reminder_event_id(row.offer_id),
            plans=planning.offer_reminder(facts),
            now=now,
        )
        await repository.mark_reminded(uow.session, offer_id=row.offer_id)
    return queued


MESSAGES_KEPT = timedelta(days=90)


async def apply_retention(uow: UnitOfWork, *, now: datetime) -> None:
    await repository.delete_finished_before(uow.session, before=now - MESSAGES_KEPT)


def view(row: Message) -> MessageView:
    return MessageView.model_validate(row, from_attributes=True)


async def get_message(uow: UnitOfWork, *, message_id: uuid.UUID) -> MessageView:
    row = await repository.get_message(uow.session, message_id=message_id)
    if row is None:
        raise MessageNotFound()
    return view(row)


async def list_messages(uow: UnitOfWork, *, where: MessageFilter, limit: int) -> MessagePage:
    rows = await repository.list_messages(uow.session, where=where, limit=limit)
    return MessagePage(items=[view(r) for r in rows])


async def export_household(uow: UnitOfWork, *, household_id: uuid.UUID) -> HouseholdExportPart:
    rows = await repository.messages_of(uow.session, recipient_key=household_id)
    return HouseholdExportPart(household_id=household_id, messages=[view(r) for r in rows])


async def erase_household(
    uow: UnitOfWork, *, household_id: uuid.UUID, erasure_id: uuid.UUID, now: datetime
) -> None:
    """Delete every message and offer fact of the household, then confirm (RELIABILITY.md 4.5)."""
    await repository.delete_messages_of(uow.session, recipient_key=household_id)
    await repository.delete_offer_facts_of(uow.session, household_id=household_id)
    uow.emit(
        notifications.HouseholdErasureConfirmed(
            household_id=household_id, erasure_id=erasure_id, occurred_at=now
        )
    )


async def queue_fallback(uow: UnitOfWork, *, row: Message, now: datetime) -> bool:
    """An SMS that cannot go out falls back to email where the kind has it; the email row is
    checked against consent at send time like any other, and is never a second copy."""
    if "email" not in CATALOG[MessageKind(row.template)].channels:
        return False
    return await repository.add_message_once(
        uow.session,
        message=Message(
            id=uuid.uuid4(),
            event_id=row.event_id,
            channel="email",
            recipient_kind=row.recipient_kind,
            recipient_key=row.recipient_key,
            template=row.template,
            params=row.params,
            offer_id=row.offer_id,
            language=row.language,
            state="pending",
            created_at=now,
            next_attempt_at=now,
            updated_at=now,
        ),
    )


async def apply_receipt(uow: UnitOfWork, *, receipt: DeliveryReceipt, now: datetime) -> ReceiptAck:
    """A provider's delivery receipt: delivered, or a final failure recorded with its email fallback."""
    row = await repository.get_message(uow.session, message_id=receipt.reference)
    # Only a sent SMS learns its fate; a receipt contradicting a final one is ignored.
    if row is None or row.channel != "sms" or row.state not in ("sending", "sent"):
        return ReceiptAck(message_id=receipt.reference, applied=False)
    values: dict[str, object] = {"receipt_status": receipt.status, "updated_at": now}
    if receipt.delivered or row.state == "sending":
        # The receipt may overtake our own mark: the update and the mark each read the other's
        # column in SQL, so either order ends `delivered`.
        await repository.record_receipt(
            uow.session, message_id=row.id, status=receipt.status, now=now
        )
        return ReceiptAck(message_id=row.id, applied=True)
    failed = receipt.final
    if failed:
        values |= {"state": "failed", "error_code": f"receipt_{receipt.status}"}
    await repository.set_receipt(uow.session, message_id=row.id, values=values)
    if failed:
        uow.emit(
            notifications.MessageFailed(
                message_id=row.id,
                source_event_id=row.event_id,
                channel="sms",
                recipient_kind=cast(RecipientKind, row.recipient_kind),
                recipient_id=row.recipient_key,
                template=row.template,
                error_code=f"receipt_{receipt.status}",
                occurred_at=now,
            ),
            aggregate_id=str(row.id),
        )
        await queue_fallback(uow, row=row, now=now)
    return ReceiptAck(message_id=row.id, applied=True)
