"""The outbox relay: publishes committed events in order with Nats-Msg-Id, marks them after the PubAck."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.aio import cancel_and_wait
from shared.db import Database
from shared.faults import crashpoint
from shared.messaging.backoff import full_jitter
from shared.messaging.connection import Broker

logger = logging.getLogger(__name__)

BATCH = 100
MARK_EVERY = 20


@dataclass
class Backlog:
    count: int
    oldest_age_s: float


class OutboxRelay:
    """One per service; with PostgreSQL replicas only the holder of an advisory lock publishes."""

    def __init__(
        self,
        *,
        service: str,
        db: Database,
        broker: Broker,
        poll_s: float,
        publish_timeout_s: float,
        backoff_base_s: float,
        backoff_cap_s: float,
    ) -> None:
        self.service = service
        self.db = db
        self.broker = broker
        self.poll_s = poll_s
        self.publish_timeout_s = publish_timeout_s
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.wake = asyncio.Event()
        self.published = 0
        self.retries = 0
        self.holds_lock = db.sqlite
        self._task: asyncio.Task[None] | None = None
        self._lock_conn: AsyncConnection | None = None
        self._stopping = False
        db.on_events_committed.append(self.wake.set)

    async def backlog(self) -> Backlog:
        outbox = self.db.infra.outbox
        async with self.db.sessionmaker() as session:
            row = (
                await session.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(
                        outbox.c.published_at.is_(None)
                    )
                )
            ).one()
            await session.rollback()
        count, oldest = int(row[0]), row[1]
        if oldest is None:
            return Backlog(count, 0.0)
        if oldest.tzinfo is None:  # SQLite returns naive datetimes
            oldest = oldest.replace(tzinfo=UTC)
        return Backlog(count, max(0.0, (self.db.clock() - oldest).total_seconds()))

    async def publish_pending(self) -> int:
        """Publish unpublished rows in order until none is left or one fails; return how many went out."""
        js = self.broker.js
        if js is None or not self.broker.is_connected:
            return 0
        outbox = self.db.infra.outbox
        sent = 0
        while True:
            async with self.db.sessionmaker() as session:
                rows = (
                    await session.execute(
                        select(outbox.c.seq, outbox.c.event_id, outbox.c.subject, outbox.c.payload)
                        .where(outbox.c.published_at.is_(None))
                        .order_by(outbox.c.seq)
                        .limit(BATCH)
                    )
                ).all()
                await session.rollback()
            if not rows or self._stopping:
                return sent
            done: list[int] = []
            try:
                for seq, event_id, subject, payload in rows:
                    if self._stopping:
                        break
                    if len(done) >= MARK_EVERY:
                        # Mark as we go, so a crash re-sends at most MARK_EVERY events.
                        await self._mark(done)
                        sent += len(done)
                        self.published += len(done)
                        done = []
                    crashpoint("relay.before_publish")
                    await js.publish(
                        subject,
                        payload.encode(),
                        timeout=self.publish_timeout_s,
                        headers={"Nats-Msg-Id": event_id},
                    )
                    crashpoint("relay.after_puback_before_mark")
                    done.append(seq)
            finally:
                # Rows acknowledged so far are marked even when a later one failed: order is kept
                # because the failing row and everything after it stay unpublished.
                if done:
                    await self._mark(done)
                    sent += len(done)
                    self.published += len(done)

    async def _mark(self, seqs: list[int]) -> None:
        outbox = self.db.infra.outbox
        async with self.db.uow() as uow:
            await uow.session.execute(
                update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=self.db.clock())
            )
            await uow.commit()

    async def _try_lock(self) -> bool:
        if self.db.sqlite:
            return True
        if self._lock_conn is None:
            self._lock_conn = await self.db.engine.connect()
        got = (
            await self._lock_conn.execute(
                text("SELECT pg_try_advisory_lock(hashtext(:name))"),
                {"name": f"relay:{self.service}"},
            )
        ).scalar()
        await self._lock_conn.commit()
        return bool(got)

    async def _release_lock(self) -> None:
        """Give the advisory lock back and drop its connection (a pooled session would keep it)."""
        conn, self._lock_conn = self._lock_conn, None
        self.holds_lock = self.db.sqlite
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.execute(
                text("SELECT pg_advisory_unlock(hashtext(:name))"),
                {"name": f"relay:{self.service}"},
            )
            await conn.commit()
        with contextlib.suppress(Exception):
            await conn.invalidate()
        with contextlib.suppress(Exception):
            await conn.close()

    async def run(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                if not self.holds_lock:
                    self.holds_lock = await self._try_lock()
                if self.holds_lock:
                    await self.publish_pending()
                attempt = 0
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=self.poll_s)
                self.wake.clear()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.retries += 1
                delay = full_jitter(attempt, base=self.backoff_base_s, cap=self.backoff_cap_s)
                attempt += 1
                if (
                    not self.db.sqlite
                    and self._lock_conn is not None
                    and self._lock_conn.invalidated
                ):
                    await self._release_lock()  # the lock went with the lost connection
                logger.warning(
                    "relay publish failed; backing off",
                    extra={"error_type": type(exc).__name__, "delay_s": round(delay, 3)},
                )
                await asyncio.sleep(delay)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"{self.service}-relay")

    async def stop(self) -> None:
        """Finish the publish in flight (at most a couple of seconds), then stop."""
        self._stopping = True
        self.wake.set()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=2 * self.publish_timeout_s)
        await cancel_and_wait(self._task)
        await self._release_lock()

    async def replay(self, *, since: datetime) -> int:
        """Mark rows published since `since` as unpublished so the relay sends them again (T7)."""
        outbox = self.db.infra.outbox
        async with self.db.uow() as uow:
            result = await uow.session.execute(
                update(outbox)
                .where(outbox.c.created_at >= since, outbox.c.published_at.is_not(None))
                .values(published_at=None)
            )
            await uow.commit()
        self.wake.set()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


PUBLISHED_RETENTION = timedelta(days=7)
