"""Chaos: 200 races of concurrent answers on one offer's unit while matching is killed (T11)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from shared.testing.chaos import (
    ServiceProcess,
    approved_offers,
    matching_pool,
    sql_scalar,
    write_report,
)
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.producing import eligible_household, inject
from shared.testing.services import DevKeys

Stack = Callable[..., Awaitable[ServiceProcess]]
RACES = 200
POOL = 460  # about half of them get a proposal in one round (measured): enough for RACES offers
COMUNI = ("Cremona", "Castelverde", "Pescarolo ed Uniti", "Sospiro", "Vescovato")
KILL_AT = "consumer.after_commit_before_ack"
KILL_SHARE = 0.1  # of the point's hits, per process
KILLS = 10
RACES_IN_FLIGHT = 10
RACE_DEADLINE_S = 120.0  # a racer whose key is held in flight by a killed process waits it out
OPEN = ("approved", "sent", "visit_booked", "accepted_by_household", "confirmed_by_landlord")
ANSWERS = (
    {"answer": "accept"},
    {"answer": "decline", "reason_code": "PREFERENCE"},
    {"answer": "accept"},
    {"answer": "decline", "reason_code": "FAMILY_CHANGE"},
    {"answer": "accept"},
)


@dataclass
class Race:
    offer_id: str
    finals: list[tuple[int, str | None]] = field(default_factory=list)  # (status, problem type)
    retries: int = 0


async def _racer(
    client: httpx.AsyncClient, race: Race, body: dict[str, str], key: str, headers: dict[str, str]
) -> None:
    """One answer, retried with its own key through kills and in-flight locks, until it is final."""
    until = time.monotonic() + RACE_DEADLINE_S
    while time.monotonic() < until:
        try:
            r = await client.post(
                f"/v1/offers/{race.offer_id}/response",
                json=body,
                headers={**headers, "Idempotency-Key": key},
            )
        except httpx.HTTPError:
            race.retries += 1
            await asyncio.sleep(0.2)
            continue
        kind = r.json().get("type", "").rsplit(":", 1)[-1] if r.status_code >= 400 else None
        if r.status_code >= 500 or kind == "idempotency-key-in-flight":
            race.retries += 1
            await asyncio.sleep(0.5)
            continue
        race.finals.append((r.status_code, kind))
        return
    race.finals.append((0, "deadline"))


async def test_t11_concurrent_answers_one_winner_per_race_through_kills(
    stack: Stack,
    chaos_streams: NatsServer,
    chaos_databases: PostgresDatabases,
    dev_keys: DevKeys,
    chaos_seed: int,
) -> None:
    rng = random.Random(chaos_seed)
    url = chaos_databases.urls["matching"]
    matching = await stack("matching", faults={"CHAOS_SEED": str(chaos_seed)})
    await matching_pool(chaos_streams, url, rng, COMUNI, POOL)
    caseworker = dev_keys.headers("caseworker")
    async with httpx.AsyncClient(base_url=matching.url, timeout=15) as client:
        offer_ids = await approved_offers(client, dev_keys, key=f"t11-{chaos_seed}")
        assert len(offer_ids) >= RACES, f"the round proposed only {len(offer_ids)} offers"
        races = [Race(o) for o in offer_ids[:RACES]]

        # Arm the crash point for every process from now on; this first kill starts the next one.
        matching.env["HOUSING_CRASH_AT"] = f"{KILL_AT}:p={KILL_SHARE}"
        matching.kill()
        await matching.wait_ready()
        restarts_before = matching.restarts
        racing = True

        async def consumer_traffic() -> None:
            """A stream of new events keeps matching's consumers passing the crash point."""
            while racing:
                # New households outside the race's round: copies would stop at the inbox,
                # before the crash point.
                fresh = [eligible_household(rng, COMUNI[0]) for _ in range(20)]
                await inject(
                    chaos_streams,
                    user="registry",
                    messages=[(e.subject, e.model_dump_json().encode()) for e in fresh],
                    fresh_ids=False,
                )
                await asyncio.sleep(0.3)
                if matching.restarts - restarts_before >= KILLS:
                    matching.env["HOUSING_CRASH_AT"] = ""

        gate = asyncio.Semaphore(RACES_IN_FLIGHT)

        async def run_race(race: Race, n: int) -> None:
            async with gate:
                racers = rng.randint(2, 5)
                await asyncio.gather(
                    *(
                        _racer(
                            client,
                            race,
                            ANSWERS[(n + i) % len(ANSWERS)],
                            f"t11-{chaos_seed}-{n}-{i}",
                            caseworker,
                        )
                        for i in range(racers)
                    )
                )

        traffic = asyncio.create_task(consumer_traffic())
        started = time.monotonic()
        await asyncio.gather(*(run_race(r, n) for n, r in enumerate(races)))
        races_s = time.monotonic() - started
        racing = False
        await asyncio.wait([traffic])
    matching.env["HOUSING_CRASH_AT"] = ""

    open_per_unit = await sql_scalar(
        url,
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM offer "
        f"WHERE status IN ({', '.join(repr(s) for s in OPEN)}) GROUP BY unit_id) AS o",
    )
    open_per_household = await sql_scalar(
        url,
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM offer "
        f"WHERE status IN ({', '.join(repr(s) for s in OPEN)}) GROUP BY household_id) AS o",
    )
    tenancies_per_unit = await sql_scalar(
        url,
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM tenancy "
        "WHERE ended_at IS NULL GROUP BY unit_id) AS t",
    )
    winners = Counter(sum(1 for s, _ in r.finals if 200 <= s < 300) for r in races)
    losers_not_409 = sum(1 for r in races for s, _ in r.finals if not 200 <= s < 300 and s != 409)
    loser_types = Counter(k for r in races for s, k in r.finals if s == 409)
    figures = {
        "races": len(races),
        "answers": sum(len(r.finals) for r in races),
        "races_with_one_2xx": winners.get(1, 0),
        "races_by_2xx_count": dict(sorted(winners.items())),
        "losers_not_409": losers_not_409,
        "loser_problem_types": dict(loser_types),
        "kills": matching.restarts - restarts_before,
        "retries": sum(r.retries for r in races),
        "max_open_offers_per_unit": open_per_unit,
        "max_open_offers_per_household": open_per_household,
        "max_active_tenancies_per_unit": tenancies_per_unit,
        "races_s": round(races_s, 1),
    }
    passed = (
        len(races) == RACES
        and winners.get(1, 0) == len(races)
        and losers_not_409 == 0
        and open_per_unit <= 1
        and open_per_household <= 1
        and tenancies_per_unit <= 1
        and figures["kills"] >= KILLS
    )
    write_report(
        "T11 concurrent answers",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "races",
            "races_with_one_2xx",
            "losers_not_409",
            "kills",
            "max_open_offers_per_unit",
            "max_active_tenancies_per_unit",
        ],
    )
    assert passed, figures
