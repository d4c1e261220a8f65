"""Chaos: a broker outage longer than nats-py's own retry budget, then a frozen broker (T6)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from shared.testing.chaos import (
    ServiceProcess,
    consumer_state,
    keyed_load,
    sql_scalar,
    wait_for,
    write_report,
)
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.payloads import household_registration
from shared.testing.services import DevKeys

Stack = Callable[..., Awaitable[ServiceProcess]]
OUTAGE_S = 150
FROZEN_S = 40


async def test_t6_http_keeps_answering_through_a_broker_outage(
    stack: Stack,
    chaos_streams: NatsServer,
    chaos_databases: PostgresDatabases,
    dev_keys: DevKeys,
    chaos_seed: int,
) -> None:
    registry = await stack("registry")
    matching = await stack("matching")
    services = [registry, matching]
    headers = dev_keys.headers("caseworker")
    urls = chaos_databases.urls
    chaos_streams.kill()
    outage_started = time.monotonic()
    first = {
        f"t6-{chaos_seed}-{i}": household_registration(chaos_seed * 1000 + i) for i in range(60)
    }
    second = {
        f"t6-{chaos_seed}-{i}": household_registration(chaos_seed * 1000 + i)
        for i in range(60, 100)
    }
    during_outage = await keyed_load(
        url=registry.url, path="/v1/households", bodies=first, headers=headers, in_flight=5
    )
    # Keep the services waiting past nats-py's default ~120 s reconnect budget.
    await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - outage_started)))
    chaos_streams.restart()
    chaos_streams.pause()  # a broker that accepts connections and answers nothing
    while_frozen = await keyed_load(
        url=registry.url, path="/v1/households", bodies=second, headers=headers, in_flight=5
    )
    await asyncio.sleep(max(0.0, FROZEN_S - 1))
    chaos_streams.resume()
    returned = time.monotonic()

    async def consumers_receive() -> bool:
        return await sql_scalar(urls["matching"], "SELECT count(*) FROM household_profile") >= 1

    receive_s = await wait_for(consumers_receive, within=60, every=0.5)

    async def drained() -> bool:
        backlog = await sql_scalar(
            urls["registry"], "SELECT count(*) FROM outbox_event WHERE published_at IS NULL"
        )
        pending, unacked = await consumer_state(chaos_streams, "REGISTRY", "matching-registry")
        return bool(backlog == 0 and pending + unacked == 0)

    drained_s = await wait_for(drained, within=90, every=0.5)
    acknowledged = {**during_outage.acknowledged, **while_frozen.acknowledged}
    household_ids = {b["id"] for b in acknowledged.values()}
    stored = await sql_scalar(urls["registry"], "SELECT count(*) FROM household")
    profiles = await sql_scalar(
        urls["matching"], "SELECT count(DISTINCT household_id) FROM household_profile"
    )
    ready = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for svc in services:
            ready[svc.name] = (await client.get(f"{svc.url}/ready")).json()["status"]
    figures = {
        "requests": len(first) + len(second),
        "answered_2xx": len(acknowledged),
        "slowest_s": round(max(during_outage.slowest_s, while_frozen.slowest_s), 2),
        "retries": during_outage.retries + while_frozen.retries,
        "stored": stored,
        "lost": len(household_ids) - profiles if profiles <= len(household_ids) else 0,
        "duplicates": stored - len(household_ids),
        "consumers_receive_after_s": round(receive_s, 1),
        "backlog_zero_after_s": round(drained_s + receive_s, 1),
        "restarts": sum(s.restarts for s in services),
        "ready_after": ready,
        "outage_s": OUTAGE_S,
        "frozen_s": FROZEN_S,
        "since_return_s": round(time.monotonic() - returned, 1),
    }
    passed = (
        figures["answered_2xx"] == figures["requests"]
        and figures["slowest_s"] <= 5
        and figures["retries"] == 0
        and profiles == len(household_ids)
        and figures["duplicates"] == 0
        and receive_s <= 15
        and figures["backlog_zero_after_s"] <= 30
        and figures["restarts"] == 0
    )
    write_report(
        "T6 broker outage",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "requests",
            "answered_2xx",
            "slowest_s",
            "consumers_receive_after_s",
            "backlog_zero_after_s",
            "restarts",
        ],
    )
    assert passed, figures
