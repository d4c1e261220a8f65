"""The Idempotency-Key contract of RELIABILITY.md R10 (T13), on a small app over a real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from shared import faults
from shared.auth import Principal
from shared.db import Database, UnitOfWork, infra_tables
from shared.errors import Conflict
from shared.faults import SimulatedCrash
from shared.idempotency import Idempotency
from shared.runtime.problems import install_problem_handlers, render_domain_error
from shared.testing.databases import DatabaseUrls

metadata = MetaData()
infra = infra_tables(metadata)
effect = Table(
    "effect", metadata, Column("id", Integer, primary_key=True), Column("label", String(50))
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str


class Created(BaseModel):
    id: int
    label: str


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    client: httpx.AsyncClient
    db: Database
    clock: Clock

    async def effects(self) -> int:
        async with self.db.sessionmaker() as session:
            return int(
                (await session.execute(select(func.count()).select_from(effect))).scalar() or 0
            )


@pytest.fixture
async def harness(database_urls: DatabaseUrls) -> AsyncIterator[Harness]:
    clock = Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    db = Database.connect(database_urls.scratch_url(), metadata=metadata, infra=infra, clock=clock)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    idem = Idempotency(db=db, render_problem=render_domain_error)
    app = FastAPI()
    install_problem_handlers(app)

    async def create(uow: UnitOfWork, label: str) -> Created:
        await asyncio.sleep(0.05)  # long enough for concurrent copies to meet the in-flight record
        if label == "taken":
            raise Conflict("label taken")
        result = await uow.session.execute(insert(effect).values(label=label))
        return Created(id=int(result.inserted_primary_key[0]), label=label)  # type: ignore[index]

    @app.post("/things", status_code=201)
    async def post_thing(body: Body, request: Request) -> Response:
        who = request.headers.get("x-principal", "landlord-a")
        principal = Principal(kind="landlord", id=who)
        return await idem.run(request, principal, lambda uow: create(uow, body.label))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield Harness(client=client, db=db, clock=clock)
    faults.disarm()
    await db.dispose()


def keyed(key: str, principal: str = "landlord-a") -> dict[str, str]:
    return {"Idempotency-Key": key, "x-principal": principal}


async def test_concurrent_identical_posts_have_one_effect(harness: Harness) -> None:
    responses = await asyncio.gather(
        *(
            harness.client.post("/things", json={"label": "a"}, headers=keyed("k1"))
            for _ in range(20)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    created = [r for r in responses if r.status_code == 201]
    assert len({r.content for r in created}) == 1  # byte-identical
    for r in responses:
        if r.status_code == 409:
            assert r.json()["type"] == "urn:problem:housing:idempotency-key-in-flight"
            assert r.headers["retry-after"] == "1"
    assert await harness.effects() == 1


async def test_replay_is_byte_identical_and_marked(harness: Harness) -> None:
    first = await harness.client.post("/things", json={"label": "b"}, headers=keyed("k2"))
    # The same body with other key order and spacing is the same request.
    again = await harness.client.post(
        "/things",
        content=b'{ "label" : "b" }',
        headers={**keyed("k2"), "content-type": "application/json"},
    )
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert await harness.effects() == 1


async def test_same_key_with_another_body_is_422(harness: Harness) -> None:
    assert (
        await harness.client.post("/things", json={"label": "c"}, headers=keyed("k3"))
    ).status_code == 201
    other = await harness.client.post("/things", json={"label": "different"}, headers=keyed("k3"))
    assert other.status_code == 422
    assert other.json()["type"] == "urn:problem:housing:idempotency-key-reused"
    assert await harness.effects() == 1


async def test_missing_or_malformed_key_is_rejected(harness: Harness) -> None:
    missing = await harness.client.post("/things", json={"label": "d"})
    assert missing.status_code == 400
    assert missing.json()["type"] == "urn:problem:housing:idempotency-key-missing"
    bad = await harness.client.post(
        "/things", json={"label": "d"}, headers={"Idempotency-Key": "x" * 256}
    )
    assert bad.status_code in (400, 422)
    assert await harness.effects() == 0


async def test_keys_are_scoped_by_principal(harness: Harness) -> None:
    a = await harness.client.post(
        "/things", json={"label": "e"}, headers=keyed("shared", "landlord-a")
    )
    b = await harness.client.post(
        "/things", json={"label": "e"}, headers=keyed("shared", "landlord-b")
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert await harness.effects() == 2


async def test_a_4xx_is_stored_and_replayed(harness: Harness) -> None:
    first = await harness.client.post("/things", json={"label": "taken"}, headers=keyed("k4"))
    assert first.status_code == 409
    again = await harness.client.post("/things", json={"label": "taken"}, headers=keyed("k4"))
    assert again.status_code == 409
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["type"] == first.json()["type"]


async def test_crash_after_reserve_then_retry_after_the_lock_expires(harness: Harness) -> None:
    faults.arm("idempotency.after_reserve")
    with pytest.raises(SimulatedCrash):
        await harness.client.post("/things", json={"label": "f"}, headers=keyed("k5"))
    faults.disarm()
    in_flight = await harness.client.post("/things", json={"label": "f"}, headers=keyed("k5"))
    assert in_flight.status_code == 409
    harness.clock.now += timedelta(seconds=31)
    retried = await harness.client.post("/things", json={"label": "f"}, headers=keyed("k5"))
    assert retried.status_code == 201
    assert await harness.effects() == 1


async def test_a_key_is_new_again_after_24_hours(harness: Harness) -> None:
    assert (
        await harness.client.post("/things", json={"label": "g"}, headers=keyed("k6"))
    ).status_code == 201
    harness.clock.now += timedelta(hours=24, seconds=1)
    later = await harness.client.post("/things", json={"label": "g"}, headers=keyed("k6"))
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert await harness.effects() == 2
