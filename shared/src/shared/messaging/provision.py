"""Creates or updates every declared stream and durable, as `ops` (`agency streams`, fixtures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import nats
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from shared.messaging.nats_config import OPS, inbox_prefix
from shared.messaging.streams import DURABLES, STREAMS, Durable, StreamSpec


@dataclass(frozen=True)
class ConsumerLimits:
    """Durable settings of RELIABILITY.md 2.1; the defaults are production's."""

    ack_wait: timedelta = timedelta(seconds=30)
    max_deliver: int = 10
    max_ack_pending: int = 100


@dataclass(frozen=True)
class TestOverrides:
    """Shorter settings for tests, so no test waits on a production timeout."""

    __test__ = False  # not a pytest class

    consumer: ConsumerLimits = ConsumerLimits()
    max_age: timedelta | None = None
    duplicate_window: timedelta | None = None


FAST_TESTS = TestOverrides(
    consumer=ConsumerLimits(ack_wait=timedelta(seconds=1), max_deliver=5, max_ack_pending=20),
    max_age=timedelta(hours=1),
)
CHAOS_TESTS = TestOverrides(
    consumer=ConsumerLimits(ack_wait=timedelta(seconds=2), max_deliver=5, max_ack_pending=20),
    max_age=timedelta(hours=1),
)


def stream_config(
    spec: StreamSpec, *, replicas: int = 1, test_overrides: TestOverrides | None = None
) -> StreamConfig:
    o = test_overrides or TestOverrides()
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=replicas,
        max_age=(o.max_age or spec.max_age).total_seconds(),
        duplicate_window=(o.duplicate_window or spec.duplicate_window).total_seconds(),
        # A full stream refuses publishes; the outbox keeps the events, so nothing is dropped.
        discard=DiscardPolicy.NEW,
        max_bytes=spec.max_bytes,
        deny_delete=spec.deny_delete,
        deny_purge=spec.deny_purge,
    )


def consumer_config(durable: Durable, limits: ConsumerLimits) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable.name,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        filter_subjects=list(durable.filter_subjects),
        ack_wait=limits.ack_wait.total_seconds(),
        max_deliver=limits.max_deliver,
        max_ack_pending=limits.max_ack_pending,
    )


async def provision(
    js: JetStreamContext, *, replicas: int = 1, test_overrides: TestOverrides | None = None
) -> None:
    """Make the broker match STREAMS and DURABLES. Safe to run again at any time.

    Production passes `replicas=3`. `deny_purge` cannot be unset once set, so a declaration
    that turns it off fails here rather than silently keeping the old value.
    """
    for spec in STREAMS:
        config = stream_config(spec, replicas=replicas, test_overrides=test_overrides)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
    limits = (test_overrides or TestOverrides()).consumer
    for durable in DURABLES:
        # A durable create with the same name updates the editable fields (filters, limits).
        await js.add_consumer(durable.stream, consumer_config(durable, limits))


async def provision_at(
    servers: str,
    *,
    password: str,
    replicas: int = 1,
    test_overrides: TestOverrides | None = None,
    request_timeout: float = 10.0,
) -> None:
    """Connect as `ops` to comma-separated `servers` and provision; what `agency streams` runs."""
    nc = await nats.connect(
        servers=[s.strip() for s in servers.split(",") if s.strip()],
        user=OPS,
        password=password,
        # Replies to any other inbox prefix are refused by the ops permissions.
        inbox_prefix=inbox_prefix(OPS).encode(),
        connect_timeout=request_timeout,
        max_reconnect_attempts=3,
    )
    try:
        await provision(
            nc.jetstream(timeout=request_timeout), replicas=replicas, test_overrides=test_overrides
        )
    finally:
        await nc.close()
