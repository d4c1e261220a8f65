"""Chaos tier fixtures: a broker per test, fresh PostgreSQL databases per test, the closing table."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.testing.chaos import REPORTS, ServiceProcess, provision_for_chaos, service_env
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.services import DevKeys

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
_STARTED = time.time()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/chaos/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.chaos)


@pytest.fixture
def chaos_seed() -> int:
    seed = int(os.environ.get("CHAOS_SEED", random.randrange(1, 10**6)))
    print(f"CHAOS_SEED={seed}")  # noqa: T201 - the seed comes first, to replay a run
    return seed


@pytest.fixture
def chaos_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def chaos_streams(chaos_nats: NatsServer) -> NatsServer:
    await provision_for_chaos(chaos_nats)
    return chaos_nats


@pytest.fixture
async def chaos_databases() -> AsyncIterator[PostgresDatabases]:
    """Fresh per-service PostgreSQL databases; the chaos tier fails, never skips, without PostgreSQL."""
    base = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    engine = create_async_engine(base)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"make chaos needs PostgreSQL at {base}: {type(exc).__name__}")
    finally:
        await engine.dispose()
    dbs = PostgresDatabases(base)
    await dbs.create()
    try:
        yield dbs
    finally:
        await asyncio.sleep(0.2)
        await dbs.drop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reports = sorted(REPORTS.glob("*.json")) if REPORTS.exists() else []
    fresh = [json.loads(p.read_text()) for p in reports if p.stat().st_mtime >= _STARTED]
    if not fresh:
        return
    terminalreporter.write_sep("=", "chaos table")
    terminalreporter.write_line(f"{'test':<36} {'figure':<110} pass")
    for report in fresh:
        figures = report["figures"]
        shown = ", ".join(
            f"{k}={v}" for k, v in figures.items() if k in report.get("headline", figures)
        )
        terminalreporter.write_line(
            f"{report['test']:<36} {shown[:110]:<110} {'yes' if report['passed'] else 'NO'}"
        )


@pytest.fixture
async def stack(
    chaos_streams: NatsServer, chaos_databases: PostgresDatabases, dev_keys: DevKeys, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[ServiceProcess]]]:
    """`await stack("registry", faults={...})` starts a supervised service process and waits for /ready."""
    started: list[ServiceProcess] = []

    async def start(
        name: str, *, faults: dict[str, str] | None = None, **extra: str
    ) -> ServiceProcess:
        env = service_env(
            name,
            database_url=chaos_databases.urls[name],
            nats=chaos_streams,
            keys=dev_keys,
            faults=faults,
            extra=extra,
        )
        proc = ServiceProcess(name=name, env=env, log_dir=tmp_path / "logs")
        proc.start_supervised()
        started.append(proc)
        await proc.wait_ready()
        return proc

    try:
        yield start
    finally:
        for proc in started:
            await proc.stop()
