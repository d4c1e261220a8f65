"""Chaos: a broker outage longer than nats-py's own retry budget, then a frozen broker (T6).

Registrations (registry), unit submissions (landlords) and offer answers (matching) arrive while
the broker is away and while it is frozen; every one must be answered 2xx within 5 s, and every
acknowledged write must reach the others once the broker is back: the households as matching's
profiles, the units' and answers' events in their streams, once each.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared.testing.chaos import (
    LoadResult,
    ServiceProcess,
    approved_offers,
    consumer_state,
    keyed_load,
    matching_pool,
    sql_rows,
    sql_scalar,
    stream_msg_ids,
    wait_for,
    write_report,
)
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.payloads import household_registration, landlord_onboarding, unit_submission
from shared.testing.services import DevKeys

Stack = Callable[..., Awaitable[ServiceProcess]]
OUTAGE_S = 150
FROZEN_S = 40
# RELIABILITY T6: 100 registrations, 50 unit submissions and 50 answers, split between the
# outage and the frozen broker.
REGISTRATIONS, UNITS, ANSWERS = 100, 50, 50
POOL = 140  # injected households and units: about half get an offer in one round (T11)
COMUNI = ("Cremona", "Castelverde", "Pescarolo ed Uniti", "Sospiro", "Vescovato")
ANSWER_BODIES = (
    {"answer": "accept"},
    {"answer": "decline", "reason_code": "PREFERENCE"},
)
UNIT_SUBMITTED = ("landlords.unit.submitted.v1",)
ANSWERED = ("matching.offer.accepted.v1", "matching.offer.declined.v1")


def _split(items: dict[str, dict[str, Any]], share: float) -> list[dict[str, dict[str, Any]]]:
    keys = list(items)
    cut = round(len(keys) * share)
    return [{k: items[k] for k in keys[:cut]}, {k: items[k] for k in keys[cut:]}]


async def _outbox(url: str, subjects: tuple[str, ...], entity: str) -> tuple[set[str], set[str]]:
    """The event ids a service's outbox holds on `subjects`, and the `entity` ids they are about."""
    where = f"WHERE subject IN ({', '.join(repr(s) for s in subjects)})"
    event_ids = await sql_rows(url, f"SELECT event_id FROM outbox_event {where}")
    about = await sql_rows(
        url, f"SELECT CAST(payload AS json)->>'{entity}' FROM outbox_event {where}"
    )
    return set(event_ids), set(about)


async def _in_stream(server: NatsServer, stream: str, subjects: tuple[str, ...]) -> list[str]:
    return [i for subject in subjects for i in await stream_msg_ids(server, stream, subject)]


async def _unpublished(url: str) -> int:
    return int(
        await sql_scalar(url, "SELECT count(*) FROM outbox_event WHERE published_at IS NULL")
    )


async def test_t6_http_keeps_answering_through_a_broker_outage(
    stack: Stack,
    chaos_streams: NatsServer,
    chaos_databases: PostgresDatabases,
    dev_keys: DevKeys,
    chaos_seed: int,
) -> None:
    rng = random.Random(chaos_seed)
    registry = await stack("registry")
    landlords = await stack("landlords", LANDLORD_WRITES_PER_MIN="600")  # limits: T19
    matching = await stack("matching")
    services = [registry, landlords, matching]
    headers = dev_keys.headers("caseworker")
    urls = chaos_databases.urls

    # Before the outage: a landlord with a key, and offers for the households to answer.
    async with httpx.AsyncClient(base_url=landlords.url, timeout=15) as client:
        onboarded = await client.post(
            "/v1/landlords",
            json=landlord_onboarding(6000),
            headers={**headers, "Idempotency-Key": f"t6-landlord-{chaos_seed}"},
        )
        assert onboarded.status_code == 201, onboarded.text
        landlord = {"Authorization": f"Bearer {onboarded.json()['api_key']}"}
    await matching_pool(chaos_streams, urls["matching"], rng, COMUNI, POOL)
    async with httpx.AsyncClient(base_url=matching.url, timeout=15) as client:
        offer_ids = await approved_offers(client, dev_keys, key=f"t6-{chaos_seed}")
    assert len(offer_ids) >= ANSWERS, f"the round proposed only {len(offer_ids)} offers"
    offer_ids = offer_ids[:ANSWERS]

    async def quiet() -> bool:
        return all([await _unpublished(urls[s.name]) == 0 for s in services])

    await wait_for(quiet, within=60, every=0.5)
    profiles_before = await sql_scalar(
        urls["matching"], "SELECT count(DISTINCT household_id) FROM household_profile"
    )

    registrations = {
        f"t6-{chaos_seed}-{i}": household_registration(chaos_seed * 1000 + i)
        for i in range(REGISTRATIONS)
    }
    submissions = {f"t6-{chaos_seed}-u{i}": unit_submission(i) for i in range(UNITS)}
    answers = {
        f"t6-{chaos_seed}-a{i}": ANSWER_BODIES[i % len(ANSWER_BODIES)] for i in range(ANSWERS)
    }
    answer_paths = {
        key: f"/v1/offers/{offer}/response" for key, offer in zip(answers, offer_ids, strict=True)
    }
    batches = list(
        zip(
            _split(registrations, 0.6),
            _split(submissions, 0.6),
            _split(answers, 0.6),
            strict=True,
        )
    )

    async def load(batch: tuple[dict[str, Any], ...]) -> list[LoadResult]:
        regs, subs, ans = batch
        return list(
            await asyncio.gather(
                keyed_load(
                    url=registry.url,
                    path="/v1/households",
                    bodies=regs,
                    headers=headers,
                    in_flight=5,
                ),
                keyed_load(
                    url=landlords.url,
                    path="/v1/units",
                    bodies=subs,
                    headers=landlord,
                    in_flight=3,
                ),
                keyed_load(
                    url=matching.url,
                    path="",
                    paths=answer_paths,
                    bodies=ans,
                    headers=headers,
                    in_flight=3,
                ),
            )
        )

    chaos_streams.kill()
    outage_started = time.monotonic()
    during_outage = await load(batches[0])
    # Keep the services waiting past nats-py's default ~120 s reconnect budget.
    await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - outage_started)))
    chaos_streams.restart()
    chaos_streams.pause()  # a broker that accepts connections and answers nothing
    while_frozen = await load(batches[1])
    await asyncio.sleep(max(0.0, FROZEN_S - 1))
    chaos_streams.resume()
    returned = time.monotonic()
    loads = during_outage + while_frozen

    async def consumers_receive() -> bool:
        profiles = await sql_scalar(
            urls["matching"], "SELECT count(DISTINCT household_id) FROM household_profile"
        )
        return bool(profiles > profiles_before)

    receive_s = await wait_for(consumers_receive, within=60, every=0.5)

    async def drained() -> bool:
        if not await quiet():
            return False
        pending, unacked = await consumer_state(chaos_streams, "REGISTRY", "matching-registry")
        return bool(pending + unacked == 0)

    drained_s = await wait_for(drained, within=90, every=0.5)
    acknowledged = {k: v for result in loads for k, v in result.acknowledged.items()}
    household_ids = {acknowledged[k]["id"] for k in registrations if k in acknowledged}
    unit_ids = {acknowledged[k]["id"] for k in submissions if k in acknowledged}
    answered = {acknowledged[k]["id"] for k in answers if k in acknowledged}
    stored = await sql_scalar(urls["registry"], "SELECT count(*) FROM household")
    profiles = await sql_scalar(
        urls["matching"], "SELECT count(DISTINCT household_id) FROM household_profile"
    )
    units_stored = await sql_scalar(urls["landlords"], "SELECT count(*) FROM unit")
    # Every acknowledged unit and answer has its event in the broker's stream, once.
    unit_events, unit_events_of = await _outbox(urls["landlords"], UNIT_SUBMITTED, "unit_id")
    answer_events, answered_offers = await _outbox(urls["matching"], ANSWERED, "offer_id")
    in_landlords_stream = await _in_stream(chaos_streams, "LANDLORDS", UNIT_SUBMITTED)
    in_matching_stream = await _in_stream(chaos_streams, "MATCHING", ANSWERED)
    ready = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for svc in services:
            ready[svc.name] = (await client.get(f"{svc.url}/ready")).json()["status"]
    requests = len(registrations) + len(submissions) + len(answers)
    lost = {
        "households": len(household_ids) - min(profiles - profiles_before, len(household_ids)),
        "units": len(unit_ids - unit_events_of) + len(unit_events - set(in_landlords_stream)),
        "answers": len(answered - answered_offers) + len(answer_events - set(in_matching_stream)),
    }
    duplicates = {
        "households": stored - len(household_ids),
        "units": (units_stored - len(unit_ids))
        + (len(in_landlords_stream) - len(set(in_landlords_stream))),
        "answers": (len(answer_events) - len(answered))
        + (len(in_matching_stream) - len(set(in_matching_stream))),
    }
    figures = {
        "requests": requests,
        "answered_2xx": len(acknowledged),
        "slowest_s": round(max(r.slowest_s for r in loads), 2),
        "retries": sum(r.retries for r in loads),
        "non_2xx": {k: v for r in loads for k, v in r.failures.items()},
        "stored": {"households": stored, "units": units_stored, "answers": len(answered)},
        "lost": lost,
        "duplicates": duplicates,
        "consumers_receive_after_s": round(receive_s, 1),
        "backlog_zero_after_s": round(drained_s + receive_s, 1),
        "restarts": sum(s.restarts for s in services),
        "ready_after": ready,
        "outage_s": OUTAGE_S,
        "frozen_s": FROZEN_S,
        "since_return_s": round(time.monotonic() - returned, 1),
    }
    passed = (
        figures["answered_2xx"] == requests
        and figures["slowest_s"] <= 5
        and figures["retries"] == 0
        and not any(lost.values())
        and not any(duplicates.values())
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
            "lost",
            "duplicates",
            "consumers_receive_after_s",
            "backlog_zero_after_s",
            "restarts",
        ],
    )
    assert passed, figures
