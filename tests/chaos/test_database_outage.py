"""Chaos: a fault proxy cuts or black-holes PostgreSQL for 20 s under keyed write load (T12)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy.engine import make_url

from shared.idempotency import LOCK
from shared.testing.chaos import Check, ServiceProcess, sql_rows, write_report
from shared.testing.databases import PostgresDatabases
from shared.testing.payloads import household_registration
from shared.testing.proxy import FaultProxy
from shared.testing.services import DevKeys

Stack = Callable[..., Awaitable[ServiceProcess]]
BEFORE_S = 5.0
CUT_S = 20.0
AFTER_S = 15.0
WRITERS = 5
RETRY_PAUSE_S = 0.5  # the client retries sooner than Retry-After, to time the recovery closely
FINISH_WITHIN_S = 60.0  # keys still unanswered at the end get this long to be acknowledged
SLOWEST_ALLOWED_S = 10.0


@dataclass
class Seen:
    at: float
    seconds: float
    status: int  # 0 for a transport error
    retry_after: str | None
    problem_type: str | None = None


@dataclass
class Outage:
    """The proxy's timeline, in the test's monotonic clock."""

    cut_at: float = 0.0
    restored_at: float = 0.0
    seen: list[Seen] = field(default_factory=list)
    ready_seen: list[Seen] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> household id
    attempted: set[str] = field(default_factory=set)
    fresh_write_ok_at: float = 0.0

    def during_cut(self, s: Seen) -> bool:
        return self.cut_at <= s.at and s.at + s.seconds <= self.restored_at


async def _post(client: httpx.AsyncClient, outage: Outage, key: str, n: int) -> bool:
    started = time.monotonic()
    try:
        response = await client.post(
            "/v1/households", json=household_registration(n), headers={"Idempotency-Key": key}
        )
    except httpx.HTTPError:
        outage.seen.append(Seen(started, time.monotonic() - started, 0, None))
        return False
    seen = Seen(
        started,
        time.monotonic() - started,
        response.status_code,
        response.headers.get("retry-after"),
        response.json().get("type") if response.status_code >= 400 else None,
    )
    outage.seen.append(seen)
    if 200 <= response.status_code < 300:
        outage.acknowledged[key] = response.json()["id"]
        return True
    return False


async def _until_acknowledged(
    client: httpx.AsyncClient, outage: Outage, key: str, n: int, *, until: float
) -> None:
    """Retry one key with the same Idempotency-Key until a 2xx or the deadline (bounded)."""
    for _ in range(int(2 * (BEFORE_S + CUT_S + AFTER_S + FINISH_WITHIN_S) / RETRY_PAUSE_S)):
        if time.monotonic() >= until or await _post(client, outage, key, n):
            return
        await asyncio.sleep(RETRY_PAUSE_S)


@pytest.mark.parametrize("mode", ["cut", "blackhole"])
async def test_t12_database_outage_gives_503_and_loses_no_acknowledged_write(
    mode: str, stack: Stack, chaos_databases: PostgresDatabases, dev_keys: DevKeys, chaos_seed: int
) -> None:
    direct = make_url(chaos_databases.urls["registry"])
    proxy = FaultProxy(direct.host or "127.0.0.1", direct.port or 5432)
    await proxy.start()
    through_proxy = direct.set(port=proxy.port).render_as_string(hide_password=False)
    try:
        registry = await stack("registry", DATABASE_URL=through_proxy)
        outage = Outage()
        serial = itertools.count(chaos_seed * 10_000)
        load_ends = time.monotonic() + BEFORE_S + CUT_S + AFTER_S
        headers = dev_keys.headers("caseworker")

        async with httpx.AsyncClient(
            base_url=registry.url, headers=headers, timeout=2 * SLOWEST_ALLOWED_S
        ) as client:

            async def writer(w: int) -> None:
                while time.monotonic() < load_ends:
                    n = next(serial)
                    key = f"t12-{chaos_seed}-{n}"
                    outage.attempted.add(key)
                    await _until_acknowledged(client, outage, key, n, until=load_ends)

            async def ready_probe() -> None:
                while time.monotonic() < load_ends:
                    started = time.monotonic()
                    try:
                        status = (await client.get("/ready")).status_code
                    except httpx.HTTPError:
                        status = 0
                    outage.ready_seen.append(
                        Seen(started, time.monotonic() - started, status, None)
                    )
                    await asyncio.sleep(0.25)

            async def faults() -> None:
                await asyncio.sleep(BEFORE_S)
                outage.cut_at = time.monotonic()
                if mode == "cut":
                    await proxy.cut()
                else:
                    proxy.blackhole()
                await asyncio.sleep(CUT_S)
                await proxy.restore()
                outage.restored_at = time.monotonic()

            async def recovery_probe() -> None:
                """From reconnection on, a fresh key every try: how soon a new write succeeds."""
                await asyncio.sleep(BEFORE_S + CUT_S)
                for _ in range(int(AFTER_S / RETRY_PAUSE_S)):
                    if outage.restored_at:
                        n = next(serial)
                        key = f"t12-{chaos_seed}-{n}"
                        outage.attempted.add(key)
                        if await _post(client, outage, key, n):
                            outage.fresh_write_ok_at = time.monotonic()
                            return
                    await asyncio.sleep(RETRY_PAUSE_S / 5)

            await asyncio.gather(
                faults(),
                ready_probe(),
                recovery_probe(),
                *(writer(w) for w in range(WRITERS)),
            )

            # Keys left unanswered when the load stopped: retry them, same key, bounded.
            finish_by = time.monotonic() + FINISH_WITHIN_S
            for key in sorted(outage.attempted - set(outage.acknowledged)):
                n = int(key.rsplit("-", 1)[1])
                await _until_acknowledged(client, outage, key, n, until=finish_by)
    finally:
        await proxy.stop()

    stored = [
        str(i) for i in await sql_rows(chaos_databases.urls["registry"], "SELECT id FROM household")
    ]
    check = Check(
        attempted=set(outage.acknowledged.values()) | set(stored),
        acknowledged=set(outage.acknowledged.values()),
        observed=stored,
    )
    in_cut = [s for s in outage.seen if outage.during_cut(s)]
    after = [s for s in outage.seen if s.at >= outage.restored_at]
    first_write_ok = min((s.at + s.seconds for s in after if 200 <= s.status < 300), default=None)
    first_ready = min(
        (
            s.at + s.seconds
            for s in outage.ready_seen
            if s.at >= outage.restored_at and s.status == 200
        ),
        default=None,
    )
    statuses = Counter(s.status for s in outage.seen)
    figures = {
        "requests": len(outage.seen),
        "keys": len(outage.attempted),
        "statuses": dict(sorted(statuses.items())),
        "during_cut": len(in_cut),
        "during_cut_503_with_retry_after": sum(
            1 for s in in_cut if s.status == 503 and s.retry_after
        ),
        "500": statuses.get(500, 0),
        "transport_errors": statuses.get(0, 0),
        "slowest_s": round(max(s.seconds for s in outage.seen), 2),
        "ready_503_during_cut": sum(
            1 for s in outage.ready_seen if outage.during_cut(s) and s.status == 503
        ),
        "write_recovered_after_s": round(outage.fresh_write_ok_at - outage.restored_at, 2)
        if outage.fresh_write_ok_at
        else None,
        # A key reserved just before the outage stays in flight for the idempotency lock (R10)
        # when its record cannot be released: retries of it get 409 until the lock ends.
        "any_write_recovered_after_s": None
        if first_write_ok is None
        else round(first_write_ok - outage.restored_at, 2),
        "all_keys_acknowledged_after_s": round(
            max(s.at + s.seconds for s in outage.seen if 200 <= s.status < 300)
            - outage.restored_at,
            2,
        ),
        "ready_recovered_after_s": None
        if first_ready is None
        else round(first_ready - outage.restored_at, 2),
        **check.summary(),
        "proxied_connections": proxy.connections,
        "cut_s": CUT_S,
        "mode": mode,
        "started_in_cut": dict(
            Counter(s.status for s in outage.seen if outage.cut_at <= s.at < outage.restored_at)
        ),
        "slow_requests": [
            (round(s.at - outage.cut_at, 1), round(s.seconds, 1), s.status, s.problem_type)
            for s in outage.seen
            if s.seconds > SLOWEST_ALLOWED_S / 2
        ][:20],
    }
    passed = (
        len(in_cut) > 0
        and figures["during_cut_503_with_retry_after"] == len(in_cut)
        and all(s.status != 500 and 0 < s.status < 600 for s in outage.seen)
        and figures["slowest_s"] <= SLOWEST_ALLOWED_S
        and figures["write_recovered_after_s"] is not None
        and figures["write_recovered_after_s"] <= 10
        and figures["ready_recovered_after_s"] is not None
        and figures["ready_recovered_after_s"] <= 10
        and figures["all_keys_acknowledged_after_s"] <= LOCK.total_seconds() + 10
        and check.summary()["lost"] == 0
        and check.summary()["duplicates"] == 0
        and len(outage.acknowledged) == len(outage.attempted)
        and len(stored) == len(outage.acknowledged)
        and check.ok_share >= 0.9
    )
    write_report(
        f"T12 database outage ({mode})",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "requests",
            "during_cut_503_with_retry_after",
            "500",
            "slowest_s",
            "write_recovered_after_s",
            "lost",
        ],
    )
    assert passed, figures
