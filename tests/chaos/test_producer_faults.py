"""Chaos: the producer's relay killed between PubAck and mark, beyond the de-dup window (T3)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

from registry.models import infra as registry_infra
from registry.models import metadata as registry_metadata
from shared.messaging.provision import CHAOS_TESTS, TestOverrides
from shared.testing.chaos import (
    ServiceProcess,
    consumer_state,
    provision_for_chaos,
    sql_scalar,
    wait_for,
    write_report,
)
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.producing import commit_to_outbox, registrations

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
    figures = {
        "events": len(events),
        "relay_kills": T3_KILLS,
        "stored_duplicates": stored - len(events),
        "matching_effects": profiles,
        "notifications_effects": messages,
        "duplicate_effects": (profiles - len(events)) + (messages - len(events)),
    }
    passed = (
        figures["stored_duplicates"] > 0 and profiles == len(events) and messages == len(events)
    )
    write_report(
        "T3 re-publish beyond de-dup window",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=["events", "relay_kills", "stored_duplicates", "duplicate_effects"],
    )
    assert passed, figures
