"""Chaos: consumers under redelivery storms and poison messages, as real processes (T4, T10)."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from registry.models import infra as registry_infra
from registry.models import metadata as registry_metadata
from shared.events.registry import HouseholdRegistered
from shared.testing.chaos import ServiceProcess, consumer_state, sql_scalar, wait_for, write_report
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.producing import commit_to_outbox, inject, registrations

# One message per (event, channel, recipient) is one effect; anything beyond is a duplicate.
DISTINCT_EFFECTS = (
    "SELECT count(*) FROM (SELECT DISTINCT event_id, channel, recipient_key FROM message) AS e"
)
Stack = Callable[..., Awaitable[ServiceProcess]]


async def test_t4_redelivery_storm_has_no_duplicate_effect(
    stack: Stack, chaos_streams: NatsServer, chaos_databases: PostgresDatabases, chaos_seed: int
) -> None:
    consumer_faults = {
        "HOUSING_UNACKED_DELIVERIES": "2",
        "HOUSING_NAK_SHARE": "0.3",
        "CHAOS_SEED": str(chaos_seed),
    }
    await stack("registry")
    await stack("matching", faults=consumer_faults)
    await stack("notifications", faults=consumer_faults)
    events = registrations(1000)
    await commit_to_outbox(
        chaos_databases.urls["registry"],
        metadata=registry_metadata,
        infra=registry_infra,
        events=events,
    )
    # Every event again, as a re-publish after the de-dup window would store it.
    await inject(
        chaos_streams,
        user="registry",
        messages=[(e.subject, e.model_dump_json().encode()) for e in events],
    )
    started = time.monotonic()
    max_unacked = 0
    urls = chaos_databases.urls

    async def settled() -> bool:
        nonlocal max_unacked
        pending_m, unacked_m = await consumer_state(chaos_streams, "REGISTRY", "matching-registry")
        pending_n, unacked_n = await consumer_state(
            chaos_streams, "REGISTRY", "notifications-registry"
        )
        max_unacked = max(max_unacked, unacked_m, unacked_n)
        return pending_m + unacked_m + pending_n + unacked_n == 0

    lag_zero_s = await wait_for(settled, within=120, every=0.5)
    profiles = await sql_scalar(urls["matching"], "SELECT count(*) FROM household_profile")
    distinct_profiles = await sql_scalar(
        urls["matching"], "SELECT count(DISTINCT household_id) FROM household_profile"
    )
    messages = await sql_scalar(urls["notifications"], "SELECT count(*) FROM message")
    message_effects = await sql_scalar(urls["notifications"], DISTINCT_EFFECTS)
    distinct_messages = await sql_scalar(
        urls["notifications"], "SELECT count(DISTINCT event_id) FROM message"
    )
    dead = await sql_scalar(
        urls["matching"], "SELECT count(*) FROM dead_letter"
    ) + await sql_scalar(urls["notifications"], "SELECT count(*) FROM dead_letter")
    figures = {
        "events": len(events),
        "copies_injected": len(events),
        "matching_effects": profiles,
        "notifications_effects": messages,
        "duplicate_effects": (profiles - distinct_profiles) + (messages - message_effects),
        "lost": (len(events) - distinct_profiles) + (len(events) - distinct_messages),
        "max_unacked": max_unacked,
        "dead_letters": dead,
        "lag_zero_after_s": round(lag_zero_s + (time.monotonic() - started) * 0, 1),
    }
    passed = (
        figures["duplicate_effects"] == 0
        and figures["lost"] == 0
        and max_unacked <= 20
        and dead == 0
        and lag_zero_s <= 60
    )
    write_report(
        "T4 redelivery storm",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "events",
            "duplicate_effects",
            "lost",
            "max_unacked",
            "dead_letters",
            "lag_zero_after_s",
        ],
    )
    assert passed, figures


async def test_t10_poison_messages_are_dead_lettered_once_and_block_nothing(
    stack: Stack, chaos_streams: NatsServer, chaos_databases: PostgresDatabases, chaos_seed: int
) -> None:
    rng = random.Random(chaos_seed)
    now = datetime.now(UTC)
    raisers = [
        HouseholdRegistered(
            household_id=uuid.uuid4(), entity_version=1, size=2, application_time=now
        )
        for _ in range(3)
    ]
    await stack("registry")
    matching = await stack(
        "matching", faults={"HOUSING_FAIL_EVENTS": ",".join(str(r.event_id) for r in raisers)}
    )
    events = registrations(1000)
    poison: list[tuple[str, bytes]] = [
        ("registry.household.registered.v1", b"{not json"),
        ("registry.household.registered.v1", b"\xff\xfe"),
        ("registry.household.registered.v1", json.dumps({"event_id": str(uuid.uuid4())}).encode()),
        (
            "registry.household.registered.v1",
            json.dumps({"event_id": str(uuid.uuid4()), "size": "big"}).encode(),
        ),
        (
            "registry.household.registered.v2",
            events[0]
            .model_dump_json()
            .replace(str(events[0].event_id), str(uuid.uuid4()))
            .encode(),
        ),
        ("registry.household.registered.v7", b"{}"),
        ("registry.household.erased.v9", b"{}"),
        *[(r.subject, r.model_dump_json().encode()) for r in raisers],
    ]
    rng.shuffle(poison)
    half = len(events) // 2
    await commit_to_outbox(
        chaos_databases.urls["registry"],
        metadata=registry_metadata,
        infra=registry_infra,
        events=events[:half],
    )
    await inject(chaos_streams, user="registry", messages=poison)
    await commit_to_outbox(
        chaos_databases.urls["registry"],
        metadata=registry_metadata,
        infra=registry_infra,
        events=events[half:],
    )
    urls = chaos_databases.urls

    async def settled() -> bool:
        pending, unacked = await consumer_state(chaos_streams, "REGISTRY", "matching-registry")
        dead = await sql_scalar(urls["matching"], "SELECT count(*) FROM dead_letter")
        return pending + unacked == 0 and dead >= len(poison)

    await wait_for(settled, within=120, every=0.5)
    await asyncio.sleep(3)  # anything still to come would show up now
    profiles = await sql_scalar(urls["matching"], "SELECT count(*) FROM household_profile")
    dead = await sql_scalar(urls["matching"], "SELECT count(*) FROM dead_letter")
    raiser_deliveries = await sql_scalar(
        urls["matching"],
        "SELECT min(num_delivered) FROM dead_letter WHERE error_code = 'max_deliver'",
    )
    figures = {
        "valid": len(events),
        "poison": len(poison),
        "valid_processed": profiles,
        "dead_letters": dead,
        "raiser_deliveries": raiser_deliveries,
        "restarts": matching.restarts,
    }
    passed = (
        profiles == len(events)
        and dead == len(poison)
        and raiser_deliveries == 5
        and matching.restarts == 0
    )
    write_report(
        "T10 poison messages",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "valid",
            "valid_processed",
            "poison",
            "dead_letters",
            "raiser_deliveries",
            "restarts",
        ],
    )
    assert passed, figures
