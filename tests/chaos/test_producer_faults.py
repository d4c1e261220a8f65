"""Chaos: the producer's relay killed between PubAck and mark, beyond the de-dup window (T3)."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from registry.models import infra as registry_infra
from registry.models import metadata as registry_metadata
from shared.messaging.provision import CHAOS_TESTS, TestOverrides
from shared.testing.chaos import (
    ServiceProcess,
    consumer_state,
    keyed_load,
    provision_for_chaos,
    sql_rows,
    sql_scalar,
    wait_for,
    write_report,
)
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.payloads import household_registration
from shared.testing.producing import commit_to_outbox, registrations
from shared.testing.services import DevKeys

Stack = Callable[..., Awaitable[ServiceProcess]]
T3_KILLS = 30


async def test_t3_republish_beyond_the_dedup_window_has_no_duplicate_effect(
    stack: Stack, chaos_streams: NatsServer, chaos_databases: PostgresDatabases, chaos_seed: int
) -> None:
    rng = random.Random(chaos_seed)
    one_second = TestOverrides(
        consumer=CHAOS_TESTS.consumer,
        max_age=CHAOS_TESTS.max_age,
        duplicate_window=timedelta(seconds=1),
    )
    await provision_for_chaos(chaos_streams, overrides=one_second)
    urls = chaos_databases.urls
    await stack("matching")
    await stack("notifications")
    registry = await stack("registry")
    registry.restart_delay_s = 2.0  # kept down 2 s: longer than the 1 s de-dup window
    events = registrations(400)
    await commit_to_outbox(
        urls["registry"], metadata=registry_metadata, infra=registry_infra, events=events
    )
    for _ in range(T3_KILLS):
        # Each incarnation dies after its n-th PubAck, before marking the rows it sent.
        registry.env["HOUSING_FAULTS"] = "1"
        registry.env["HOUSING_CRASH_AT"] = f"relay.after_puback_before_mark:{rng.randint(1, 25)}"
        before = registry.restarts
        registry.kill()

        async def restarted_and_died(before: int = before) -> bool:
            return registry.restarts > before + 1 or (
                registry.restarts > before and not registry.alive
            )

        await wait_for(restarted_and_died, within=30, every=0.1)
    registry.env.pop("HOUSING_CRASH_AT")
    registry.env.pop("HOUSING_FAULTS")
    registry.kill()

    async def settled() -> bool:
        backlog = await sql_scalar(
            urls["registry"], "SELECT count(*) FROM outbox_event WHERE published_at IS NULL"
        )
        pm, um = await consumer_state(chaos_streams, "REGISTRY", "matching-registry")
        pn, un = await consumer_state(chaos_streams, "REGISTRY", "notifications-registry")
        return backlog == 0 and pm + um + pn + un == 0

    await wait_for(settled, within=120, every=0.5)
    await asyncio.sleep(1)
    nc = await chaos_streams.connect("ops")
    stored = (await nc.jetstream(timeout=5).stream_info("REGISTRY")).state.messages
    await nc.close()
    profiles = await sql_scalar(urls["matching"], "SELECT count(*) FROM household_profile")
    messages = await sql_scalar(urls["notifications"], "SELECT count(*) FROM message")
    message_effects = await sql_scalar(
        urls["notifications"],
        "SELECT count(*) FROM (SELECT DISTINCT event_id, channel, recipient_key FROM message) AS e",
    )
    messaged_events = await sql_scalar(
        urls["notifications"], "SELECT count(DISTINCT event_id) FROM message"
    )
    dead_letters = await sql_scalar(
        urls["matching"], "SELECT count(*) FROM dead_letter"
    ) + await sql_scalar(urls["notifications"], "SELECT count(*) FROM dead_letter")
    figures = {
        "events": len(events),
        "messaged_events": messaged_events,
        "dead_letters": dead_letters,
        "relay_kills": T3_KILLS,
        "stored_duplicates": stored - len(events),
        "matching_effects": profiles,
        "notifications_effects": messages,
        "duplicate_effects": (profiles - len(events)) + (messages - message_effects),
    }
    passed = (
        figures["stored_duplicates"] > 0
        and profiles == len(events)
        and messaged_events == len(events)
        and messages == message_effects
    )
    write_report(
        "T3 re-publish beyond de-dup window",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=["events", "relay_kills", "stored_duplicates", "duplicate_effects"],
    )
    assert passed, figures


T2_REGISTRATIONS = 1000
T2_KILLS = 20
T2_POINTS = ("uow.after_commit", "relay.after_puback_before_mark", "mid-request")


async def _stream_registrations(server: NatsServer) -> list[str]:
    """Household ids of every registered event stored in REGISTRY, read as ops without acks."""
    nc = await server.connect("ops")
    try:
        js = nc.jetstream(timeout=10)
        config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL)
        sub = await js.pull_subscribe(
            "registry.household.registered.v1", durable=None, stream="REGISTRY", config=config
        )
        ids: list[str] = []
        while True:
            try:
                batch = await sub.fetch(500, timeout=3)
            except TimeoutError:
                return ids
            ids.extend(json.loads(m.data)["household_id"] for m in batch)
    finally:
        await nc.close()


async def test_t2_producer_killed_between_commit_and_publish(
    stack: Stack,
    chaos_streams: NatsServer,
    chaos_databases: PostgresDatabases,
    dev_keys: DevKeys,
    chaos_seed: int,
) -> None:
    rng = random.Random(chaos_seed)
    registry = await stack("registry")
    bodies = {
        f"t2-{chaos_seed}-{i}": household_registration(chaos_seed * 10_000 + i)
        for i in range(T2_REGISTRATIONS)
    }
    load = asyncio.create_task(
        keyed_load(
            url=registry.url,
            path="/v1/households",
            bodies=bodies,
            headers=dev_keys.headers("caseworker"),
        )
    )
    kills: dict[str, int] = dict.fromkeys(T2_POINTS, 0)
    for i in range(T2_KILLS):
        point = T2_POINTS[i % len(T2_POINTS)]
        before = registry.restarts
        if point == "mid-request":
            await asyncio.sleep(rng.uniform(0.3, 1.5))
            registry.kill()
        else:
            registry.env.update(
                {"HOUSING_FAULTS": "1", "HOUSING_CRASH_AT": f"{point}:{rng.randint(2, 40)}"}
            )
            registry.kill()  # restart with the crash point armed; it dies there by itself

        async def back(before: int = before, point: str = point) -> bool:
            if point == "mid-request":
                return registry.restarts > before and registry.alive
            return registry.restarts > before + 1 or load.done()

        await wait_for(back, within=60, every=0.1)
        kills[point] += 1
        registry.env.pop("HOUSING_CRASH_AT", None)
        registry.env.pop("HOUSING_FAULTS", None)
    registry.kill()  # a clean incarnation finishes the backlog
    result = await load
    urls = chaos_databases.urls

    async def drained() -> bool:
        return (
            await sql_scalar(
                urls["registry"], "SELECT count(*) FROM outbox_event WHERE published_at IS NULL"
            )
            == 0
        )

    drained_s = await wait_for(drained, within=30)
    acknowledged_ids = {body["id"] for body in result.acknowledged.values()}
    rows = await sql_rows(urls["registry"], "SELECT id FROM household")
    stored = {str(r) for r in rows}
    in_stream = await _stream_registrations(chaos_streams)
    figures = {
        "registrations": T2_REGISTRATIONS,
        "kills": sum(kills.values()),
        "kills_by_point": kills,
        "acknowledged": len(result.acknowledged),
        "unknown": T2_REGISTRATIONS - len(result.acknowledged),
        "lost_rows": len(acknowledged_ids - stored),
        "lost_events": len(acknowledged_ids - set(in_stream)),
        "zombie_rows": len(stored - set(in_stream)),
        "ghost_events": len(set(in_stream) - stored),
        "duplicate_events": len(in_stream) - len(set(in_stream)),
        "backlog_zero_after_s": round(drained_s, 1),
        "ok_share": round(len(result.acknowledged) / T2_REGISTRATIONS, 3),
    }
    passed = (
        figures["lost_rows"] == 0
        and figures["lost_events"] == 0
        and figures["zombie_rows"] == 0
        and figures["ghost_events"] == 0
        and figures["duplicate_events"] == 0
        and figures["ok_share"] >= 0.9
    )
    write_report(
        "T2 producer killed",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "acknowledged",
            "kills",
            "lost_rows",
            "lost_events",
            "ghost_events",
            "duplicate_events",
        ],
    )
    assert passed, figures
