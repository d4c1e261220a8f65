"""The chaos harness: service processes under a supervisor, a bounded load client, a checker, reports."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.messaging.provision import CHAOS_TESTS, TestOverrides, provision
from shared.testing.nats import NatsServer, free_port
from shared.testing.producing import eligible_household, inject, published_unit
from shared.testing.services import DevKeys

REPORTS = Path("reports/chaos")


@dataclass
class ServiceProcess:
    """`python -m <service>` on a free 127.0.0.1 port; restarted 0.2 s after it dies, at most 50 times."""

    name: str
    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    max_restarts: int = 50
    restart_delay_s: float = 0.2
    restarts: int = 0
    proc: subprocess.Popen[bytes] | None = None
    supervising: bool = True
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, **self.env, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(self.port)}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{self.name}.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.name],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive and self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    async def supervise(self) -> None:
        while self.supervising:
            await asyncio.sleep(0.05)
            if not self.alive and self.supervising:
                if self.restarts >= self.max_restarts:
                    raise RuntimeError(f"{self.name} restarted {self.restarts} times")
                await asyncio.sleep(self.restart_delay_s)
                self.restarts += 1
                self.start()

    def start_supervised(self) -> None:
        self.start()
        self._task = asyncio.create_task(self.supervise())

    async def stop(self) -> None:
        self.supervising = False
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    async def wait_ready(self, *, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                try:
                    if (await client.get(f"{self.url}/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} not ready within {within} s")


def service_env(
    service: str,
    *,
    database_url: str,
    nats: NatsServer,
    keys: DevKeys,
    faults: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Settings for a chaos service process, with the chaos column of RELIABILITY.md 2.1."""
    env = {
        "ENV": "test",
        "DATABASE_URL": database_url,
        "NATS_URL": nats.url,
        "NATS_USER": service,
        "NATS_PASSWORD": nats.passwords[service],
        "JWT_ISSUER": keys.issuer,
        "JWT_JWKS_FILE": str(keys.jwks),
        "SERVICE_SIGNING_KEY_FILE": str(keys.private_key),
        "ACK_WAIT_S": "2",
        "MAX_DELIVER": "5",
        "MAX_ACK_PENDING": "20",
        "FETCH_TIMEOUT_S": "1",
        "NAK_BASE_S": "0.1",
        "NAK_CAP_S": "1",
        "RELAY_POLL_S": "0.1",
        "RELAY_BACKOFF_CAP_S": "2",
        "BROKER_LOST_AFTER_S": "10",
        "SCHEDULER_ENABLED": "false",
        "LOG_LEVEL": "INFO",
    }
    if faults:
        env["HOUSING_FAULTS"] = "1"
        env.update(faults)
    env.update(extra or {})
    return env


@dataclass
class LoadResult:
    attempted: int = 0
    acknowledged: dict[str, Any] = field(default_factory=dict)  # key -> 2xx body
    failures: dict[str, str] = field(default_factory=dict)
    retries: int = 0
    slowest_s: float = 0.0
    non_2xx_final: int = 0


async def keyed_load(
    *,
    url: str,
    path: str,
    bodies: Mapping[str, dict[str, Any]],
    headers: Mapping[str, str],
    in_flight: int = 20,
    max_attempts: int = 10,
    per_request_timeout: float = 10.0,
    paths: Mapping[str, str] | None = None,
) -> LoadResult:
    """POST each body with its own Idempotency-Key; retry with the same key on errors, bounded.

    `paths` gives a key its own path (e.g. each answer to its offer); the others go to `path`.
    """
    result = LoadResult()
    gate = asyncio.Semaphore(in_flight)

    async def one(client: httpx.AsyncClient, key: str, body: dict[str, Any]) -> None:
        result.attempted += 1
        async with gate:
            for attempt in range(max_attempts):
                started = time.monotonic()
                try:
                    response = await client.post(
                        (paths or {}).get(key, path),
                        json=body,
                        headers={**headers, "Idempotency-Key": key},
                    )
                    result.slowest_s = max(result.slowest_s, time.monotonic() - started)
                    if 200 <= response.status_code < 300:
                        result.acknowledged[key] = response.json()
                        return
                    if response.status_code not in (409, 429, 500, 502, 503):
                        result.failures[key] = f"{response.status_code}"
                        result.non_2xx_final += 1
                        return
                except httpx.HTTPError as exc:
                    result.failures[key] = type(exc).__name__
                result.retries += 1
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
            result.non_2xx_final += 1

    async with httpx.AsyncClient(base_url=url, timeout=per_request_timeout) as client:
        await asyncio.gather(*(one(client, key, body) for key, body in bodies.items()))
    for key in result.acknowledged:
        result.failures.pop(key, None)
    return result


@dataclass
class Check:
    """Jepsen-style accounting: attempted, acknowledged and observed operations."""

    attempted: set[str]
    acknowledged: set[str]
    observed: list[str]

    @property
    def lost(self) -> set[str]:
        return self.acknowledged - set(self.observed)

    @property
    def unexpected(self) -> set[str]:
        return set(self.observed) - self.attempted

    @property
    def duplicates(self) -> int:
        return len(self.observed) - len(set(self.observed))

    @property
    def ok_share(self) -> float:
        return len(self.acknowledged & set(self.observed)) / max(1, len(self.attempted))

    def summary(self) -> dict[str, Any]:
        return {
            "attempted": len(self.attempted),
            "acknowledged": len(self.acknowledged),
            "observed": len(self.observed),
            "lost": len(self.lost),
            "unexpected": len(self.unexpected),
            "duplicates": self.duplicates,
            "ok_share": round(self.ok_share, 4),
        }


def write_report(
    test: str,
    *,
    seed: int,
    figures: dict[str, Any],
    passed: bool,
    headline: list[str] | None = None,
) -> dict[str, Any]:
    """Write reports/chaos/<test>.json; `headline` names the figures for the closing table."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = {
        "test": test,
        "seed": seed,
        "passed": passed,
        "headline": headline or list(figures),
        "figures": figures,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (REPORTS / f"{test}.json").write_text(json.dumps(report, indent=1, default=str))
    return report


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], *, within: float, every: float = 0.2
) -> float:
    """Wait until `predicate` holds; return the seconds it took; fail after `within`."""
    started = time.monotonic()
    while True:
        if await predicate():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"not reached within {within} s")
        await asyncio.sleep(every)


def dataclass_dict(value: Any) -> dict[str, Any]:
    return asdict(value)


async def sql_scalar(url: str, query: str, **params: Any) -> Any:
    """One value from a service's database, read from outside the service."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(query), params)).scalar()
    finally:
        await engine.dispose()


async def sql_rows(url: str, query: str, **params: Any) -> list[Any]:
    """The first column of every row, read from outside the service."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(query), params)).scalars())
    finally:
        await engine.dispose()


async def consumer_state(server: NatsServer, stream: str, durable: str) -> tuple[int, int]:
    """(num_pending, num_ack_pending) of a durable, read as ops."""
    nc = await server.connect("ops")
    try:
        info = await nc.jetstream(timeout=5).consumer_info(stream, durable)
        return int(info.num_pending or 0), int(info.num_ack_pending or 0)
    finally:
        await nc.close()


async def provision_for_chaos(
    server: NatsServer, *, overrides: TestOverrides = CHAOS_TESTS
) -> None:
    """Provision streams and durables with the chaos settings, as the launcher would, as ops."""
    nc = await server.connect("ops")
    try:
        await provision(nc.jetstream(timeout=5), test_overrides=overrides)
    finally:
        await nc.close()


async def stream_msg_ids(server: NatsServer, stream: str, subject: str | None = None) -> list[str]:
    """Every Nats-Msg-Id in `stream` (on `subject` if given), read from sequence 1 as ops."""
    nc = await server.connect("ops")
    try:
        js = nc.jetstream(timeout=10)
        info = await js.stream_info(stream)
        ids: list[str] = []
        # No acks: ops may create consumers but not publish acks (RELIABILITY.md 3.3).
        config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL)
        sub = await js.pull_subscribe(
            subject or f"{stream.lower()}.>", durable=None, stream=stream, config=config
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


async def matching_pool(
    server: NatsServer, matching_url: str, rng: random.Random, comuni: tuple[str, ...], size: int
) -> None:
    """`size` eligible households and as many published units, a comune each in turn, published
    as the registry and landlords would; returns once matching's read models hold them all."""
    households = [eligible_household(rng, comuni[i % len(comuni)], max_size=2) for i in range(size)]
    units = [published_unit(rng, comuni[i % len(comuni)]) for i in range(size)]
    for user, events in (("registry", households), ("landlords", units)):
        messages = [(e.subject, e.model_dump_json().encode()) for e in events]
        await inject(server, user=user, messages=messages, fresh_ids=False)

    async def ingested() -> bool:
        profiles = await sql_scalar(matching_url, "SELECT count(*) FROM household_profile")
        listings = await sql_scalar(matching_url, "SELECT count(*) FROM unit_listing")
        return bool(profiles == size and listings == size)

    await wait_for(ingested, within=120, every=0.5)


async def approved_offers(client: httpx.AsyncClient, keys: DevKeys, *, key: str) -> list[str]:
    """A caseworker runs a round over matching's pool and a supervisor approves it: every offer's
    id. `client` is matching's; `key` makes the round's Idempotency-Keys."""
    caseworker = keys.headers("caseworker")
    created = await client.post(
        "/v1/rounds", json={}, headers={**caseworker, "Idempotency-Key": f"{key}-round"}
    )
    assert created.status_code == 202, created.text
    round_id = created.json()["id"]

    async def completed() -> bool:
        got = await client.get(f"/v1/rounds/{round_id}", headers=caseworker)
        return bool(got.json()["status"] == "completed")

    await wait_for(completed, within=120, every=0.5)
    approved = await client.post(
        f"/v1/rounds/{round_id}/approve",
        headers={**keys.headers("supervisor"), "Idempotency-Key": f"{key}-approve"},
    )
    assert approved.status_code == 200, approved.text
    offer_ids: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        page = await client.get(
            "/v1/offers",
            params={"round_id": round_id, "limit": 100, **({"cursor": cursor} if cursor else {})},
            headers=caseworker,
        )
        assert page.status_code == 200, page.text
        offer_ids += [o["id"] for o in page.json()["items"]]
        cursor = page.json().get("next_cursor")
        if not cursor:
            break
    return offer_ids
