"""With replicas on PostgreSQL, one relay publishes and each job runs once, under advisory locks."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import MetaData

from shared.db import Database, infra_tables
from shared.messaging.connection import Broker
from shared.messaging.relay import OutboxRelay
from shared.runtime.scheduler import Job, Scheduler
from shared.testing.databases import DatabaseUrls

pytestmark = pytest.mark.postgres

metadata = MetaData()
infra = infra_tables(metadata)


@pytest.fixture
async def db(database_urls: DatabaseUrls) -> Database:
    if database_urls.backend != "postgresql":
        pytest.skip(
            "advisory locks exist on PostgreSQL only; SQLite runs a single process by design"
        )
    database = Database.connect(database_urls.scratch_url(), metadata=metadata, infra=infra)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    return database


async def test_a_job_runs_once_across_replicas(db: Database) -> None:
    runs: list[str] = []
    gate = asyncio.Event()

    async def work(_now: datetime) -> None:
        runs.append("ran")
        await gate.wait()

    job = Job("expire-offers", 30.0, work)
    replicas = [Scheduler(service="matching", db=db, jobs=[job]) for _ in range(3)]
    first = asyncio.create_task(replicas[0].run_once(job))
    await asyncio.sleep(0.2)
    others = await asyncio.gather(*(r.run_once(job) for r in replicas[1:]))
    gate.set()
    assert await first is True
    assert others == [False, False]
    assert runs == ["ran"]
    await db.dispose()


async def test_only_one_relay_holds_the_lock_and_another_takes_over(db: Database) -> None:
    def relay() -> OutboxRelay:
        broker = Broker(service="registry", url="nats://127.0.0.1:1", user=None, password=None)
        return OutboxRelay(
            service="registry",
            db=db,
            broker=broker,
            poll_s=0.05,
            publish_timeout_s=1,
            backoff_base_s=0.01,
            backoff_cap_s=0.1,
        )

    a, b = relay(), relay()
    assert await a._try_lock() is True
    assert await b._try_lock() is False
    await a.stop()  # a replica going away gives the lock back
    assert await b._try_lock() is True
    await b.stop()
    await db.dispose()
