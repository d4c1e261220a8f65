"""Durable pull consumers: inbox-first idempotent handling, nak with backoff, dead letters, re-binding."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from shared import faults
from shared.aio import Drain
from shared.db import Database, UnitOfWork
from shared.events.base import EVENT_TYPES, Event
from shared.faults import crashpoint, failpoint
from shared.messaging.backoff import full_jitter, nak_delay
from shared.messaging.connection import Broker
from shared.messaging.streams import Durable

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)


def _api_code(exc: Exception) -> str | None:
    """A JetStream API error's status and error code (e.g. "409/10085"): never a payload."""
    code, err_code = getattr(exc, "code", None), getattr(exc, "err_code", None)
    return None if code is None and err_code is None else f"{code}/{err_code}"


@dataclass(frozen=True)
class Subscription(Generic[E]):
    """A handler for one event type; it runs inside the consumer's unit of work and never commits."""

    event: type[E]
    handler: Callable[[UnitOfWork, E], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerTuning:
    max_deliver: int
    fetch_batch: int
    fetch_timeout_s: float
    fetch_heartbeat_s: float
    nak_base_s: float
    nak_cap_s: float
    ack_wait_s: float
    broker_lost_after_s: float
    drain_s: float = 5.0  # at stop, how long the message in hand may take to finish


class PoisonMessage(Exception):
    """A payload that can never be handled: dead-lettered on its first delivery."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Consumer:
    """Fetches from one durable and applies each message exactly once in effect (RELIABILITY.md R3, R6, R7)."""

    def __init__(
        self,
        *,
        durable: Durable,
        subscriptions: Sequence[Subscription[Any]],
        db: Database,
        broker: Broker,
        tuning: ConsumerTuning,
    ) -> None:
        handled = {s.event.subject for s in subscriptions}
        if handled != set(durable.subjects):
            raise TypeError(
                f"{durable.name}: handlers {sorted(handled)} differ from the declared "
                f"{sorted(durable.subjects)}"
            )
        self.durable = durable
        self.handlers = {s.event.subject: s for s in subscriptions}
        self.db = db
        self.broker = broker
        self.tuning = tuning
        self.processed = 0
        self.duplicates = 0
        self.dead_letters = 0
        self.rebinds = 0
        self.consecutive_rebinds = 0
        self.lag = 0
        self.degraded = False
        self.unavailable_since: float | None = None
        self._advisories_watched = False
        self._task: asyncio.Task[None] | None = None
        self._drain = Drain()

    # --- handling one message ----------------------------------------------------------------

    def parse(self, subject: str, data: bytes) -> Event:
        """The event in a message, or PoisonMessage if it can never be handled."""
        cls = EVENT_TYPES.get(subject)
        if cls is None or subject not in self.handlers:
            raise PoisonMessage("unknown_subject")
        try:
            decoded = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PoisonMessage("unparseable") from exc
        try:
            return cls.model_validate(decoded)
        except ValidationError as exc:
            raise PoisonMessage("schema_invalid") from exc

    async def apply(self, event: Event) -> bool:
        """Inbox row first, then the handler, in one transaction; False if the event was already applied."""
        async with self.db.uow() as uow:
            try:
                await uow.session.execute(
                    insert(self.db.infra.inbox).values(
                        consumer=self.durable.name,
                        event_id=str(event.event_id),
                        processed_at=self.db.clock(),
                    )
                )
                await uow.session.flush()
            except IntegrityError:
                await uow.rollback()
                return False
            failpoint("consumer.handler", key=str(event.event_id))
            await self.handlers[event.subject].handler(uow, event)
            crashpoint("consumer.before_commit")
            await uow.commit()
        return True

    async def _dead_letter(
        self, msg: Msg, *, error_type: str, code: str, event_id: str | None
    ) -> None:
        meta = msg.metadata
        dl = self.db.infra.dead_letter
        async with self.db.uow() as uow:
            try:
                await uow.session.execute(
                    insert(dl).values(
                        consumer=self.durable.name,
                        stream=meta.stream,
                        stream_seq=meta.sequence.stream,
                        subject=msg.subject,
                        event_id=event_id,
                        num_delivered=meta.num_delivered,
                        error_type=error_type,
                        error_code=code,
                        at=self.db.clock(),
                    )
                )
                await uow.commit()
            except IntegrityError:
                await uow.rollback()  # already dead-lettered by an earlier delivery
        self.dead_letters += 1
        logger.error(
            "message dead-lettered",
            extra={
                "durable": self.durable.name,
                "subject": msg.subject,
                "stream_seq": meta.sequence.stream,
                "error_type": error_type,
                "error_code": code,
                "event_id": event_id,
            },
        )
        await msg.term()

    async def handle(self, msg: Msg) -> None:
        delivered = msg.metadata.num_delivered
        if faults.leave_unacked():
            return  # chaos: as if this delivery's ack were lost; redelivered after ack_wait
        if faults.nak_first_delivery(delivered):
            await msg.nak(
                delay=nak_delay(1, base=self.tuning.nak_base_s, cap=self.tuning.nak_cap_s)
            )
            return
        try:
            event = self.parse(msg.subject, msg.data)
        except PoisonMessage as poison:
            await self._dead_letter(
                msg, error_type="PoisonMessage", code=poison.code, event_id=None
            )
            return
        started = time.monotonic()
        try:
            if not await self.apply(event):
                self.duplicates += 1
                await msg.ack()
                return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delivered = msg.metadata.num_delivered
            if delivered >= self.tuning.max_deliver:
                await self._dead_letter(
                    msg,
                    error_type=type(exc).__name__,
                    code="max_deliver",
                    event_id=str(event.event_id),
                )
                return
            delay = nak_delay(delivered, base=self.tuning.nak_base_s, cap=self.tuning.nak_cap_s)
            logger.warning(
                "handler failed; redelivering",
                extra={
                    "durable": self.durable.name,
                    "event_id": str(event.event_id),
                    "error_type": type(exc).__name__,
                    "attempt": delivered,
                    "delay_s": round(delay, 3),
                },
            )
            await msg.nak(delay=delay)
            return
        crashpoint("consumer.after_commit_before_ack")
        if time.monotonic() - started > self.tuning.ack_wait_s / 3:
            logger.info("slow handler", extra={"event_id": str(event.event_id)})
        await msg.ack()
        self.processed += 1

    # --- the pull loop -----------------------------------------------------------------------

    async def _bind(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        sub = await js.pull_subscribe_bind(durable=self.durable.name, stream=self.durable.stream)
        return sub

    async def record_exhausted(self, *, stream: str, stream_seq: int, deliveries: int) -> bool:
        """A dead letter for a message the server stopped delivering (a crash loop used up max_deliver)."""
        async with self.db.uow() as uow:
            try:
                await uow.session.execute(
                    insert(self.db.infra.dead_letter).values(
                        consumer=self.durable.name,
                        stream=stream,
                        stream_seq=stream_seq,
                        subject="(max deliveries advisory)",
                        event_id=None,
                        num_delivered=deliveries,
                        error_type="MaxDeliveries",
                        error_code="max_deliveries_advisory",
                        at=self.db.clock(),
                    )
                )
                await uow.commit()
            except IntegrityError:
                await uow.rollback()  # our own handler already dead-lettered it
                return False
        self.dead_letters += 1
        logger.error(
            "message exhausted its deliveries",
            extra={"durable": self.durable.name, "stream_seq": stream_seq},
        )
        return True

    async def _watch_advisories(self) -> None:
        nc = self.broker.nc
        if nc is None or self._advisories_watched:
            return

        async def on_advisory(msg: Msg) -> None:
            try:
                advisory = json.loads(msg.data)
                await self.record_exhausted(
                    stream=str(advisory["stream"]),
                    stream_seq=int(advisory["stream_seq"]),
                    deliveries=int(advisory.get("deliveries", 0)),
                )
            except Exception as exc:
                logger.error("advisory not recorded", extra={"error_type": type(exc).__name__})

        subject = (
            f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.durable.stream}.{self.durable.name}"
        )
        await nc.subscribe(subject, cb=on_advisory)
        self._advisories_watched = True

    async def run(self) -> None:
        sub: JetStreamContext.PullSubscription | None = None
        attempt = 0
        idle_fetches = 0
        while True:
            try:
                await self.broker.connected.wait()
                js = self.broker.js
                if js is None:
                    await asyncio.sleep(0.1)
                    continue
                if sub is None:
                    await self._watch_advisories()
                    sub = await self._bind(js)
                try:
                    msgs = await sub.fetch(
                        self.tuning.fetch_batch,
                        timeout=self.tuning.fetch_timeout_s,
                        heartbeat=self.tuning.fetch_heartbeat_s or None,
                    )
                except TimeoutError:
                    msgs = []
                self.unavailable_since = None
                attempt = 0
                for msg in msgs:
                    if self._drain.stopping:
                        return  # the rest is redelivered after ack_wait, to whoever runs next
                    with self._drain.busy():
                        await self.handle(msg)
                if self._drain.stopping:
                    return
                if msgs:
                    idle_fetches = 0
                    self.consecutive_rebinds = 0
                    self.degraded = False
                else:
                    idle_fetches += 1
                    if idle_fetches >= 3:
                        idle_fetches = 0
                        # Stall watchdog: pending messages but nothing delivered for 3 fetches.
                        if await self._pending(sub) > 0:
                            sub = await self._rebind(sub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.unavailable_since is None:
                    self.unavailable_since = time.monotonic()
                elif time.monotonic() - self.unavailable_since > self.tuning.broker_lost_after_s:
                    self.degraded = True
                delay = full_jitter(attempt, base=0.2, cap=5.0)
                attempt += 1
                logger.warning(
                    "consumer error; re-binding",
                    extra={
                        "durable": self.durable.name,
                        "error_type": type(exc).__name__,
                        "error_code": _api_code(exc),
                    },
                )
                sub = await self._rebind(sub)
                await asyncio.sleep(delay)

    async def _pending(self, sub: JetStreamContext.PullSubscription) -> int:
        info = await sub.consumer_info()
        self.lag = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        return int(info.num_pending or 0)

    async def _rebind(
        self, sub: JetStreamContext.PullSubscription | None
    ) -> JetStreamContext.PullSubscription | None:
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self.rebinds += 1
        self.consecutive_rebinds += 1
        if self.consecutive_rebinds >= 3:
            self.degraded = True
        return None

    async def refresh_lag(self) -> int:
        js = self.broker.js
        if js is None or not self.broker.is_connected:
            return self.lag
        with contextlib.suppress(Exception):
            info = await js.consumer_info(self.durable.stream, self.durable.name)
            self.lag = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        return self.lag

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"consumer-{self.durable.name}")

    async def stop(self) -> None:
        """Let the message in hand finish (for up to drain_s), then stop."""
        await self._drain.stop(self._task, within=self.tuning.drain_s)
