"""R5/T12 fast: an unreachable PostgreSQL gives 503 with Retry-After within the database timeouts."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import make_url

from shared.testing.databases import DatabaseUrls
from shared.testing.payloads import household_registration
from shared.testing.proxy import FaultProxy
from shared.testing.services import DevKeys, ServiceStarter

TIMEOUTS = {
    "database_connect_timeout_s": 0.5,
    "database_command_timeout_s": 0.5,
    "database_pool_timeout_s": 0.5,
}


@pytest.mark.parametrize("mode", ["cut", "blackhole"])
async def test_an_unreachable_database_gives_prompt_503s_and_recovers(
    mode: str, start_service: ServiceStarter, database_urls: DatabaseUrls, dev_keys: DevKeys
) -> None:
    if database_urls.backend != "postgresql":
        pytest.skip("the timeouts bound asyncpg; a SQLite file has no network to cut")
    direct = make_url(database_urls.url("registry"))
    proxy = FaultProxy(direct.host or "127.0.0.1", direct.port or 5432)
    await proxy.start()
    through = direct.set(port=proxy.port).render_as_string(hide_password=False)
    try:
        async with start_service("registry", database_url=through, **TIMEOUTS) as svc:
            headers = {**dev_keys.headers("caseworker"), "Idempotency-Key": "t12-fast"}
            if mode == "cut":
                await proxy.cut()
            else:
                proxy.blackhole()
            for path in ("/ready", "/v1/households"):
                started = time.monotonic()
                if path == "/ready":
                    r = await svc.client.get(path)
                else:
                    r = await svc.client.post(path, json=household_registration(1), headers=headers)
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"]
                assert r.json()["type"] == "urn:problem:housing:unavailable"
                assert time.monotonic() - started < 3  # pre-ping, reconnect and rollback, bounded
            await proxy.restore()
            assert (await svc.client.get("/ready")).status_code == 200
            fresh = {**headers, "Idempotency-Key": "t12-fast-after"}
            created = await svc.client.post(
                "/v1/households", json=household_registration(2), headers=fresh
            )
            assert created.status_code == 201, created.text
    finally:
        await proxy.stop()
