"""Chaos: the broker killed, restarted, wiped; a 3-node cluster losing nodes (T1, T7, cluster)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import insert

from registry.models import infra as registry_infra
from registry.models import metadata as registry_metadata
from shared.db import Database
from shared.events.registry import HouseholdRegistered
from shared.messaging.connection import Broker
from shared.messaging.relay import OutboxRelay
from shared.migrations import upgrade
from shared.testing.chaos import write_report
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer

T1_EVENTS = 10_000
T1_KILLS = 10


async def _fill_outbox(db: Database, n: int) -> set[str]:
    now = datetime.now(UTC)
    events = [
        HouseholdRegistered(
            household_id=uuid.uuid4(), entity_version=1, size=2, application_time=now
        )
        for _ in range(n)
    ]
    rows = [
        {
            "event_id": str(e.event_id),
            "subject": e.subject,
            "payload": e.model_dump_json(),
            "aggregate_id": str(e.household_id),
            "created_at": now,
        }
        for e in events
    ]
    async with db.uow() as uow:
        for i in range(0, n, 1000):
            await uow.session.execute(insert(db.infra.outbox), rows[i : i + 1000])
        await uow.commit()
    return {str(e.event_id) for e in events}


async def _read_all_ids(server: NatsServer, stream: str) -> list[str]:
    """A fresh ephemeral consumer reads the stream from sequence 1 (as ops)."""
    nc = await server.connect("ops")
    try:
        js = nc.jetstream(timeout=10)
        info = await js.stream_info(stream)
        ids: list[str] = []
        # No acks: ops may create consumers but not publish acks (RELIABILITY.md 3.3).
        config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL)
        sub = await js.pull_subscribe(
            f"{stream.lower()}.>", durable=None, stream=stream, config=config
        )
        while len(ids) < info.state.messages:
            try:
                batch = await sub.fetch(500, timeout=5)
            except TimeoutError:
                break
            ids.extend((msg.headers or {}).get("Nats-Msg-Id", "") for msg in batch)
        return ids
    finally:
        await nc.close()


async def test_t1_broker_killed_ten_times_while_publishing(
    chaos_streams: NatsServer, chaos_databases: PostgresDatabases, chaos_seed: int
) -> None:
    rng = random.Random(chaos_seed)
    db = Database.connect(
        chaos_databases.urls["registry"], metadata=registry_metadata, infra=registry_infra
    )
    await upgrade(db.engine, "registry")
    expected = await _fill_outbox(db, T1_EVENTS)
    broker = Broker(
        service="registry",
        url=chaos_streams.url,
        user="registry",
        password=chaos_streams.passwords["registry"],
    )
    relay = OutboxRelay(
        service="registry",
        db=db,
        broker=broker,
        poll_s=0.1,
        publish_timeout_s=2,
        backoff_base_s=0.1,
        backoff_cap_s=5,
    )
    broker.start()
    relay.start()
    first_ack_after_restart: list[float] = []
    kills_while_publishing = 0
    try:
        for _ in range(T1_KILLS):
            await asyncio.sleep(rng.uniform(0.1, 0.6))
            if (await relay.backlog()).count > 0:
                kills_while_publishing += 1
            chaos_streams.kill()
            await asyncio.sleep(rng.uniform(0.5, 3.0))
            before = relay.published
            chaos_streams.restart()
            restarted = time.monotonic()
            while relay.published == before and (await relay.backlog()).count > 0:
                assert time.monotonic() - restarted < 10, "no PubAck within 10 s of a restart"
                await asyncio.sleep(0.05)
            first_ack_after_restart.append(round(time.monotonic() - restarted, 2))
        last = time.monotonic()
        while (await relay.backlog()).count > 0:
            assert time.monotonic() - last < 30, "backlog not drained 30 s after the last restart"
            await asyncio.sleep(0.2)
        drained_s = round(time.monotonic() - last, 2)
    finally:
        await relay.stop()
        await broker.stop()
        await db.dispose()
    stored = await _read_all_ids(chaos_streams, "REGISTRY")
    figures = {
        "events": T1_EVENTS,
        "kills": T1_KILLS,
        "kills_while_publishing": kills_while_publishing,
        "stored": len(stored),
        "distinct": len(set(stored)),
        "lost": len(expected - set(stored)),
        "unexpected": len(set(stored) - expected),
        "stored_duplicates": len(stored) - len(set(stored)),
        "max_first_puback_s": max(first_ack_after_restart),
        "drained_after_last_s": drained_s,
    }
    passed = (
        figures["lost"] == 0 and figures["unexpected"] == 0 and figures["stored_duplicates"] == 0
    )
    write_report(
        "T1 broker kill -9 while publishing",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=["events", "kills", "lost", "stored_duplicates", "max_first_puback_s"],
    )
    assert passed, figures
