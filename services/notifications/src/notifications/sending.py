"""The sender (RELIABILITY.md R8): claim a pending message, check the caps, fetch the contact,
render, send with the message id as idempotency key / Message-ID, then mark it sent."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from notifications import repository, service
from notifications.catalog import CATALOG, MessageKind
from notifications.channels import Channels
from notifications.contacts import Directory
from notifications.delivery_errors import (
    OfferClosed,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.models import Message
from notifications.rendering import RenderError, render
from notifications.sending_caps import CapPolicy, check_caps
from shared.aio import Drain
from shared.db import Database
from shared.events import notifications
from shared.events.notifications import Channel, RecipientKind
from shared.faults import crashpoint
from shared.messaging.backoff import full_jitter

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class SenderPolicy:
    caps: CapPolicy
    batch: int = 20
    # Recipients served at once; one recipient's messages always go one after another, in order,
    # so the per-household caps hold within a process.
    concurrency: int = 8
    claim_s: float = 60.0
    retry_base_s: float = 5.0
    retry_cap_s: float = 900.0
    max_attempts: int = 20
    drain_s: float = 10.0  # at stop, how long the sends in hand may take to finish


@dataclass(frozen=True)
class Outcome:
    """How a held message leaves `sending`: its new column values, an event, maybe a fallback."""

    values: dict[str, Any]
    event_code: str | None = None  # None: MessageSent when state is sent, no event otherwise
    fallback: bool = False


def _failed_event(row: Message, code: str, now: datetime) -> notifications.MessageFailed:
    return notifications.MessageFailed(
        message_id=row.id,
        source_event_id=row.event_id,
        channel=cast(Channel, row.channel),
        recipient_kind=cast(RecipientKind, row.recipient_kind),
        recipient_id=row.recipient_key,
        template=row.template,
        error_code=code,
        occurred_at=now,
    )


def _sent_event(row: Message, now: datetime) -> notifications.MessageSent:
    return notifications.MessageSent(
        message_id=row.id,
        source_event_id=row.event_id,
        channel=cast(Channel, row.channel),
        recipient_kind=cast(RecipientKind, row.recipient_kind),
        recipient_id=row.recipient_key,
        template=row.template,
        occurred_at=now,
    )


class Sender:
    """One loop per process; several replicas share the work through the claims."""

    def __init__(
        self,
        *,
        db: Database,
        directory: Directory,
        channels: Channels,
        policy: SenderPolicy,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.directory = directory
        self.channels = channels
        self.policy = policy
        self.clock = clock or db.clock
        self._task: asyncio.Task[None] | None = None
        self._drain = Drain()

    async def run_once(self, *, now: datetime) -> int:
        """Process every message due at `now`; returns how many this sender claimed."""
        async with self.db.uow() as uow:
            due = await repository.due_messages(uow.session, now=now, limit=self.policy.batch)
        by_recipient: dict[uuid.UUID, list[uuid.UUID]] = {}
        for message_id, recipient in due:
            by_recipient.setdefault(recipient, []).append(message_id)
        gate = asyncio.Semaphore(max(1, self.policy.concurrency))

        async def serve(message_ids: list[uuid.UUID]) -> int:
            served = 0
            async with gate:
                for message_id in message_ids:
                    if self._drain.stopping:
                        break  # left due: the next sender claims it
                    served += await self.process(message_id, now=now)
            return served

        return sum(await asyncio.gather(*(serve(ids) for ids in by_recipient.values())))

    async def process(self, message_id: uuid.UUID, *, now: datetime) -> bool:
        # From the claim's own time: a long batch must not claim its last messages already expired.
        until = max(now, self.clock()) + timedelta(seconds=self.policy.claim_s)
        async with self.db.uow() as uow:
            got = await repository.claim(uow.session, message_id=message_id, now=now, until=until)
            await uow.commit()
        if not got:
            return False
        crashpoint("sender.after_claim_before_send")
        async with self.db.uow() as uow:
            held = await repository.get_message(uow.session, message_id=message_id)
            if held is None:  # erased meanwhile
                return True
            row = Message.model_validate(held.model_dump())  # outlives the session
            deferred_until = await check_caps(
                uow.session, row=row, policy=self.policy.caps, now=now
            )
        if deferred_until is not None:
            outcome = Outcome(
                {
                    "state": "pending",
                    "attempts": row.attempts - 1,
                    "next_attempt_at": deferred_until,
                    "error_code": "cap_reached",
                    "updated_at": now,
                }
            )
        else:
            outcome = await self._deliver(row, now=now)
        await self._finish(row, outcome, now=now)
        return True

    async def _deliver(self, row: Message, *, now: datetime) -> Outcome:
        kind = MessageKind(row.template)
        channel = cast(Channel, row.channel)
        try:
            contact = await self.directory.contact(
                recipient_kind=row.recipient_kind, recipient_key=row.recipient_key
            )
            address = contact.address(channel)
            if address is None:
                return Outcome(
                    {"state": "skipped", "error_code": "no_consent", "updated_at": now},
                    fallback=channel == "sms",
                )
            link = None
            if CATALOG[kind].needs_link:
                if row.offer_id is None:
                    raise PermanentDeliveryError("no_link")
                link = await self.directory.offer_link(offer_id=row.offer_id)
            try:
                rendered = render(
                    kind,
                    language=contact.language,
                    params=row.params,
                    channel=channel,
                    link=link,
                    config=self.channels.render,
                )
            except RenderError:
                raise PermanentDeliveryError("render_failed") from None
            if channel == "email":
                provider_id = await self.channels.send_email(
                    message_id=row.id, to=address, rendered=rendered, now=now
                )
            else:
                provider_id = await self.channels.send_sms(
                    message_id=row.id, to=address, rendered=rendered
                )
        except OfferClosed as exc:
            return Outcome({"state": "skipped", "error_code": exc.code, "updated_at": now})
        except TransientDeliveryError as exc:
            return self._retry(row, exc, now=now)
        except PermanentDeliveryError as exc:
            return Outcome(
                {"state": "failed", "error_code": exc.code, "updated_at": now},
                event_code=exc.code,
                fallback=channel == "sms",
            )
        except Exception as exc:
            # A bug or an unexpected library error: retried with backoff, bounded by max_attempts.
            logger.error("delivery error", extra={"error_type": type(exc).__name__})
            return self._retry(row, TransientDeliveryError("internal_error"), now=now)
        crashpoint("sender.after_send_before_mark")
        return Outcome(
            {
                "state": "sent",
                "sent_at": now,
                "language": rendered.language,
                "provider_message_id": provider_id[:128],
                "error_code": None,
                "updated_at": now,
            }
        )

    def _retry(self, row: Message, exc: TransientDeliveryError, *, now: datetime) -> Outcome:
        if row.attempts >= self.policy.max_attempts:
            return Outcome(
                {"state": "failed", "error_code": exc.code, "updated_at": now},
                event_code=exc.code,
            )
        delay = max(
            self.policy.retry_base_s,
            full_jitter(row.attempts, base=self.policy.retry_base_s, cap=self.policy.retry_cap_s),
            exc.retry_after_s or 0.0,
        )
        return Outcome(
            {
                "state": "pending",
                "next_attempt_at": now + timedelta(seconds=delay),
                "error_code": exc.code,
                "updated_at": now,
            }
        )

    async def _finish(self, row: Message, outcome: Outcome, *, now: datetime) -> None:
        async with self.db.uow() as uow:
            held = await repository.finish(uow.session, message_id=row.id, values=outcome.values)
            if held:
                state = outcome.values["state"]
                if state == "sent":
                    uow.emit(_sent_event(row, now), aggregate_id=str(row.id))
                elif outcome.event_code is not None:
                    uow.emit(_failed_event(row, outcome.event_code, now), aggregate_id=str(row.id))
                if outcome.fallback:
                    await service.queue_fallback(uow, row=row, now=now)
            await uow.commit()
        log = {"event_id": str(row.event_id), "error_code": outcome.values.get("error_code")}
        if outcome.values.get("error_code") == "cap_reached":
            logger.warning("sending cap reached, message deferred", extra=log)
        elif outcome.values["state"] == "failed":
            logger.warning("message failed", extra=log)
        elif outcome.values["state"] == "pending":
            logger.info("delivery failed, message will be retried", extra=log)

    # --- the loop -------------------------------------------------------------------------------

    async def _loop(self, poll_s: float) -> None:
        while True:
            full = False
            try:
                with self._drain.busy():
                    full = await self.run_once(now=self.clock()) >= self.policy.batch
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.error("sender pass failed", extra={"error_type": type(exc).__name__})
            if self._drain.stopping:
                return
            # A full batch means more are waiting: go again at once, without the poll's pause.
            await asyncio.sleep(0 if full else poll_s)

    def start(self, *, poll_s: float) -> None:
        self._task = asyncio.create_task(self._loop(poll_s), name="notifications-sender")

    async def stop(self) -> None:
        """Let the messages in hand finish (a send cut off mid-way is the one that may go twice)."""
        await self._drain.stop(self._task, within=self.policy.drain_s)
        self._task = None
