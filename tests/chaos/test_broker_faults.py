"""Chaos: the broker killed, restarted, wiped; a 3-node cluster losing nodes (T1, T7, cluster)."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import insert

from registry.models import infra as registry_infra
from registry.models import metadata as registry_metadata
from shared.db import Database
from shared.events.registry import HouseholdRegistered
from shared.messaging.connection import Broker
from shared.messaging.provision import CHAOS_TESTS, provision
from shared.messaging.relay import OutboxRelay
from shared.migrations import upgrade
from shared.testing.chaos import (
    ServiceProcess,
    provision_for_chaos,
    sql_scalar,
    stream_msg_ids,
    wait_for,
    write_report,
)
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.producing import commit_to_outbox, registrations

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


async def _wait_replicas_current(server: NatsServer, stream: str, *, within: float) -> float:
    """Seconds until the stream has a leader and every replica is current (after node restarts).

    Reading before that can time out: the last restarted node may still be rejoining the meta
    group or catching up its replica of the stream.
    """
    nc = await server.connect("ops")
    try:
        js = nc.jetstream(timeout=5)

        async def current() -> bool:
            try:
                info = await js.stream_info(stream)
            except Exception:  # no leader yet: the API times out or answers 503
                return False
            cluster = info.cluster
            if cluster is None or not cluster.leader:
                return False
            return all(peer.current and not peer.offline for peer in cluster.replicas or [])

        return await wait_for(current, within=within, every=0.5)
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
    stored = await stream_msg_ids(chaos_streams, "REGISTRY")
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


async def test_t7_lost_store_is_refilled_by_outbox_replay(
    stack: Callable[..., Awaitable[ServiceProcess]],
    chaos_streams: NatsServer,
    chaos_databases: PostgresDatabases,
    chaos_seed: int,
) -> None:
    urls = chaos_databases.urls
    registry = await stack("registry")
    matching = await stack("matching")
    since = datetime.now(UTC) - timedelta(seconds=1)
    events = registrations(300)
    await commit_to_outbox(
        urls["registry"], metadata=registry_metadata, infra=registry_infra, events=events
    )

    async def published_and_consumed() -> bool:
        backlog = await sql_scalar(
            urls["registry"], "SELECT count(*) FROM outbox_event WHERE published_at IS NULL"
        )
        consumed = await sql_scalar(urls["matching"], "SELECT count(*) FROM household_profile")
        return backlog == 0 and consumed == len(events)

    await wait_for(published_and_consumed, within=60)
    # Notifications never saw them: every event was acknowledged by the stream, then the store goes.
    chaos_streams.kill()
    chaos_streams.wipe_store()
    chaos_streams.restart()
    lost_at = time.monotonic()

    async def degraded() -> bool:
        async with httpx.AsyncClient(timeout=3) as client:
            body = (await client.get(f"{matching.url}/ready")).json()
        return bool(body["status"] == "degraded")

    degraded_s = await wait_for(degraded, within=60, every=0.5)
    await provision_for_chaos(chaos_streams)  # the launcher re-provisions in dev
    replay = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry",
        "outbox",
        "replay",
        "--since",
        since.isoformat(),
        env={**os.environ, **registry.env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await replay.communicate()
    assert replay.returncode == 0, out
    await stack("notifications")

    async def refilled() -> bool:
        messages = await sql_scalar(
            urls["notifications"], "SELECT count(DISTINCT event_id) FROM message"
        )
        return bool(messages == len(events))

    refill_s = await wait_for(refilled, within=90, every=0.5)
    profiles = await sql_scalar(urls["matching"], "SELECT count(*) FROM household_profile")
    messages = await sql_scalar(
        urls["notifications"], "SELECT count(DISTINCT event_id) FROM message"
    )
    message_rows = await sql_scalar(urls["notifications"], "SELECT count(*) FROM message")
    message_effects = await sql_scalar(
        urls["notifications"],
        "SELECT count(*) FROM (SELECT DISTINCT event_id, channel, recipient_key FROM message) AS e",
    )
    figures = {
        "events": len(events),
        "replayed": int(out.decode().split()[0]),
        "degraded_after_s": round(degraded_s, 1),
        "consumed_after_replay": messages,
        "matching_effects": profiles,
        "duplicate_effects": (profiles - len(events)) + (message_rows - message_effects),
        "refilled_in_s": round(refill_s + (time.monotonic() - lost_at) * 0, 1),
    }
    passed = figures["duplicate_effects"] == 0 and messages == len(events) and degraded_s <= 60
    write_report(
        "T7 broker store lost",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "events",
            "replayed",
            "degraded_after_s",
            "consumed_after_replay",
            "duplicate_effects",
        ],
    )
    assert passed, figures


async def test_cluster_node_killed_one_at_a_time_loses_no_acknowledged_message(
    nats_cluster: list[NatsServer], chaos_seed: int
) -> None:
    rng = random.Random(chaos_seed)
    ops = await nats_cluster[0].connect("ops")
    await provision(ops.jetstream(timeout=10), replicas=3, test_overrides=CHAOS_TESTS)
    await ops.close()
    servers = ",".join(n.url for n in nats_cluster)
    broker = Broker(
        service="registry",
        url=servers,
        user="registry",
        password=nats_cluster[0].passwords["registry"],
    )
    broker.start()
    await asyncio.wait_for(broker.connected.wait(), timeout=20)
    acked: set[str] = set()
    attempts = 0
    stop = asyncio.Event()

    async def publish() -> None:
        nonlocal attempts
        while not stop.is_set():
            event_id = str(uuid.uuid4())
            attempts += 1
            try:
                js = broker.js
                assert js is not None
                await js.publish(
                    "registry.household.registered.v1",
                    b"{}",
                    timeout=2,
                    headers={"Nats-Msg-Id": event_id},
                )
                acked.add(event_id)
            except Exception:
                await asyncio.sleep(0.05)

    publisher = asyncio.create_task(publish())
    kills = 0
    try:
        for _ in range(2):
            for node in nats_cluster:
                await asyncio.sleep(rng.uniform(0.5, 1.5))
                node.kill()
                kills += 1
                await asyncio.sleep(rng.uniform(1.0, 3.0))
                node.restart(wait=True)
        await asyncio.sleep(1)
    finally:
        stop.set()
        await publisher
        await broker.stop()
    settled_s = await _wait_replicas_current(nats_cluster[1], "REGISTRY", within=60)
    stored = await stream_msg_ids(nats_cluster[1], "REGISTRY")
    figures = {
        "attempted": attempts,
        "acknowledged": len(acked),
        "node_kills": kills,
        "lost_acknowledged": len(acked - set(stored)),
        "stored_duplicates": len(stored) - len(set(stored)),
        "replicas_current_after_s": round(settled_s, 1),
    }
    passed = figures["lost_acknowledged"] == 0 and len(acked) > 100
    write_report(
        "cluster R3, node SIGKILLs",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=["acknowledged", "node_kills", "lost_acknowledged"],
    )
    assert passed, figures
