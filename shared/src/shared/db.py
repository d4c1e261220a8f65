"""Async engines for SQLite and PostgreSQL, the infrastructure tables, and the unit of work with its outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    insert,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.events.base import Event
from shared.faults import crashpoint

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class InfraTables:
    """The tables every service database has besides its domain tables."""

    outbox: Table
    inbox: Table
    dead_letter: Table
    idempotency: Table


def infra_tables(metadata: MetaData) -> InfraTables:
    """Declare the outbox, inbox, dead-letter and idempotency tables on a service's metadata."""
    outbox = Table(
        "outbox_event",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("aggregate_id", String(64), nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Index("ix_outbox_event_unpublished", "published_at", "seq"),
    )
    inbox = Table(
        "processed_event",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_processed_event"),
    )
    dead_letter = Table(
        "dead_letter",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("stream", String(50), nullable=False),
        Column("stream_seq", BigInteger, nullable=False),
        Column("subject", String(200), nullable=False),
        Column("event_id", String(36), nullable=True),
        Column("num_delivered", Integer, nullable=False),
        Column("error_type", String(100), nullable=False),
        Column("error_code", String(100), nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("replayed_at", DateTime(timezone=True), nullable=True),
        UniqueConstraint("consumer", "stream", "stream_seq", name="uq_dead_letter_message"),
    )
    idempotency = Table(
        "idempotency_record",
        metadata,
        Column("principal", String(100), nullable=False),
        Column("route", String(200), nullable=False),
        Column("key", String(255), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("state", String(20), nullable=False),
        Column("locked_until", DateTime(timezone=True), nullable=True),
        Column("response_status", Integer, nullable=True),
        Column("response_body", Text, nullable=True),
        Column("subject_id", String(64), nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("principal", "route", "key", name="pk_idempotency_record"),
    )
    return InfraTables(outbox=outbox, inbox=inbox, dead_letter=dead_letter, idempotency=idempotency)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Bounds on waiting for PostgreSQL, so an unreachable database gives 503s, never hangs (R5).

    `connect_s` bounds opening a connection, `command_s` each statement (pre-ping included),
    `pool_s` waiting for a free pooled connection.
    """

    connect_s: float
    command_s: float
    pool_s: float


def create_engine(url: str, *, timeouts: DatabaseTimeouts | None = None) -> AsyncEngine:
    """An engine that never prints bound parameters; SQLite in WAL with foreign keys and BEGIN IMMEDIATE."""
    if not is_sqlite(url):
        if timeouts is None:
            return create_async_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=10)
        return create_async_engine(
            url,
            hide_parameters=True,
            pool_pre_ping=True,
            pool_size=10,
            pool_timeout=timeouts.pool_s,
            connect_args={"timeout": timeouts.connect_s, "command_timeout": timeouts.command_s},
        )
    engine = create_async_engine(url, hide_parameters=True, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN IMMEDIATE itself: a deferred write
        # transaction can fail with SQLITE_BUSY instead of waiting for the lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=30000",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass
class UnitOfWork:
    """One transaction: domain rows plus the outbox rows of the events emitted during the use case."""

    session: AsyncSession
    infra: InfraTables
    clock: Clock
    _pending: list[tuple[Event, str | None]] = field(default_factory=list)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    def emit(self, event: Event, *, aggregate_id: str | None = None) -> None:
        """Queue an event; it is written to the outbox in the same transaction as the domain rows."""
        self._pending.append((event, aggregate_id))

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    @property
    def emitted(self) -> tuple[Event, ...]:
        return tuple(e for e, _ in self._pending)

    async def flush_outbox(self) -> None:
        if not self._pending:
            return
        now = self.clock()
        rows = [
            {
                "event_id": str(ev.event_id),
                "subject": ev.subject,
                "payload": ev.model_dump_json(),
                "aggregate_id": aggregate_id,
                "created_at": now,
            }
            for ev, aggregate_id in self._pending
        ]
        await self.session.execute(insert(self.infra.outbox), rows)
        self._pending.clear()

    async def commit(self) -> None:
        had_events = bool(self._pending)
        await self.flush_outbox()
        await self.session.commit()
        crashpoint("uow.after_commit")
        if had_events:
            for callback in self._after_commit:
                callback()

    async def rollback(self) -> None:
        self._pending.clear()
        await self.session.rollback()


@dataclass
class Database:
    """A service's engine, session factory and infrastructure tables."""

    url: str
    engine: AsyncEngine
    infra: InfraTables
    metadata: MetaData
    clock: Clock = utcnow
    on_events_committed: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        metadata: MetaData,
        infra: InfraTables,
        clock: Clock = utcnow,
        timeouts: DatabaseTimeouts | None = None,
    ) -> Database:
        engine = create_engine(url, timeouts=timeouts)
        return cls(url=url, engine=engine, infra=infra, metadata=metadata, clock=clock)

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def uow(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work; the caller commits. Leaving without commit rolls back."""
        async with self.sessionmaker() as session:
            uow = UnitOfWork(session=session, infra=self.infra, clock=self.clock)
            for callback in self.on_events_committed:
                uow.after_commit(callback)
            try:
                yield uow
            finally:
                if session.in_transaction():
                    await session.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()


def dumps(value: Any) -> str:
    """Canonical JSON (sorted keys, no spaces): stored responses and hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def new_id() -> uuid.UUID:
    return uuid.uuid4()
