"""RELIABILITY T13 (Idempotency-Key), T14 (BOLA), T18 (key attacks) and T19 (rate limits)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from shared.testing.inspect import count_rows, rows
from shared.testing.waiting import wait_until

# --- T13 -----------------------------------------------------------------------------------------


async def test_twenty_concurrent_identical_posts_have_one_effect(api: Any) -> None:
    landlord = await api.onboard()
    headers = landlord.keyed("same-key")
    body = api.unit()
    responses = await asyncio.gather(
        *(api.client.post("/v1/units", json=body, headers=headers) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert created
    # Every 2xx is the same response, byte for byte; the others are in-flight 409s.
    assert len({r.content for r in created}) == 1
    for r in responses:
        if r.status_code == 409:
            assert r.json()["type"] == "urn:problem:housing:idempotency-key-in-flight"
            assert r.headers["retry-after"] == "1"
    assert await count_rows(api.svc, "unit") == 1
    submitted = [e for e in await rows(api.svc, "outbox_event") if "unit.submitted" in e["subject"]]
    assert len(submitted) == 1

    replay = await api.client.post("/v1/units", json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == created[0].content

    other_body = await api.client.post("/v1/units", json=api.unit(floor=3), headers=headers)
    assert other_body.status_code == 422
    assert other_body.json()["type"] == "urn:problem:housing:idempotency-key-reused"

    no_key = await api.client.post("/v1/units", json=body, headers=landlord.headers)
    assert no_key.status_code == 400
    assert no_key.json()["type"] == "urn:problem:housing:idempotency-key-missing"
    assert await count_rows(api.svc, "unit") == 1


async def test_a_stored_error_is_replayed_too(api: Any) -> None:
    landlord = await api.onboard()
    headers = landlord.keyed("bad-unit")
    body = api.unit(comune="Milano")
    first = await api.client.post("/v1/units", json=body, headers=headers)
    second = await api.client.post("/v1/units", json=body, headers=headers)
    assert first.status_code == second.status_code == 422
    assert first.content == second.content


async def test_the_same_key_from_two_landlords_is_independent(api: Any) -> None:
    a = await api.onboard()
    b = await api.onboard()
    first = await api.client.post("/v1/units", json=api.unit(), headers=a.keyed("shared"))
    second = await api.client.post("/v1/units", json=api.unit(), headers=b.keyed("shared"))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert "idempotent-replayed" not in second.headers


# --- T14 -----------------------------------------------------------------------------------------


def _same_but_instance(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code == 404
    assert a.headers["content-type"] == b.headers["content-type"] == "application/problem+json"
    x, y = a.json(), b.json()
    assert x.pop("instance") != y.pop("instance")
    assert x == y


async def test_landlord_b_gets_404_for_all_of_landlord_a_resources(api: Any) -> None:
    a = await api.onboard()
    b = await api.onboard()
    unit = await api.create_unit(a, notes="CANARY-A-NOTES")
    assert (await api.verify(unit["id"], outcome="approve")).status_code == 200
    made = api.offer_made(a, unit)
    await api.publish("matching", made)

    async def arrived() -> bool:
        return (await count_rows(api.svc, "offer")) == 1

    await wait_until(arrived)
    await api.create_unit(b)
    missing = str(uuid.uuid4())
    calls: list[tuple[str, str, Any]] = [
        ("GET", "/v1/units/{u}", None),
        ("PATCH", "/v1/units/{u}", {"floor": 4}),
        ("DELETE", "/v1/units/{u}", None),
        ("GET", "/v1/units/{u}/incentives", None),
        ("GET", "/v1/offers/{o}", None),
        ("POST", "/v1/offers/{o}/decision", {"decision": "accept"}),
    ]
    for method, template, body in calls:
        foreign = await api.client.request(
            method,
            template.format(u=unit["id"], o=made.offer_id),
            json=body,
            headers=b.keyed(),
        )
        absent = await api.client.request(
            method, template.format(u=missing, o=missing), json=body, headers=b.keyed()
        )
        _same_but_instance(foreign, absent)
    # Lists never leak, even when B filters on A.
    for path, params in (
        ("/v1/units", {}),
        ("/v1/units", {"landlord_id": a.id}),
        ("/v1/offers", {}),
        ("/v1/offers", {"landlord_id": a.id, "unit_id": unit["id"]}),
    ):
        listed = await api.client.get(path, params=params, headers=b.headers)
        assert listed.status_code == 200
        assert unit["id"] not in listed.text
        assert "CANARY-A-NOTES" not in listed.text
        assert str(made.offer_id) not in listed.text
    # Nothing of A's changed.
    own = await api.client.get(f"/v1/units/{unit['id']}", headers=a.headers)
    assert own.json()["status"] == "offered"
    assert own.json()["floor"] is None


async def test_roles_are_checked_before_any_lookup(api: Any) -> None:
    landlord = await api.onboard()
    missing = str(uuid.uuid4())
    forbidden = [
        ("GET", "/v1/landlords", landlord.headers),
        ("POST", f"/v1/units/{missing}/verification", landlord.headers),
        ("POST", "/v1/units", api.staff()),
        ("PATCH", f"/v1/units/{missing}", api.staff()),
        ("POST", f"/v1/offers/{missing}/decision", api.staff("supervisor")),
        ("POST", f"/v1/landlords/{missing}/api-keys", api.staff("caseworker")),
        ("GET", f"/internal/v1/landlords/{missing}/contact", api.staff("supervisor")),
    ]
    for method, path, headers in forbidden:
        response = await api.client.request(method, path, json={}, headers=headers)
        assert response.status_code == 403, (method, path)


# --- T18 -----------------------------------------------------------------------------------------


async def test_key_attacks_all_get_the_same_401(api: Any) -> None:
    landlord = await api.onboard()
    rotated = await api.client.post(
        f"/v1/landlords/{landlord.id}/api-keys", headers=landlord.keyed()
    )
    new_key = rotated.json()["api_key"]
    await api.client.delete(
        f"/v1/landlords/{landlord.id}/api-keys/{landlord.key_id}",
        headers={"Authorization": f"Bearer {new_key}"},
    )
    secret = landlord.api_key.split("_", 2)[2]
    attempts = {
        "unknown": {"Authorization": f"Bearer lk_{'0' * 16}_{secret}"},
        "rotated out and revoked": landlord.headers,
        "wrong secret": {"Authorization": f"Bearer lk_{new_key.split('_')[1]}_{secret}"},
        "wrong prefix": {"Authorization": f"Bearer pk_{new_key[3:]}"},
        "no scheme": {"Authorization": new_key},
        "basic": {"Authorization": f"Basic {new_key}"},
        "garbage jwt": {"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."},
        "registry audience": {
            "Authorization": "Bearer "
            + api.keys.signer.mint(sub="caseworker-1", audience="registry", roles=["caseworker"])
        },
    }
    bodies = []
    for name, headers in attempts.items():
        response = await api.client.get("/v1/units", headers=headers)
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        body.pop("instance")
        bodies.append(body)
    in_query = await api.client.get("/v1/units", params={"api_key": new_key})
    assert in_query.status_code == 401
    body = in_query.json()
    body.pop("instance")
    bodies.append(body)
    assert all(b == bodies[0] for b in bodies)
    assert (
        await api.client.get("/v1/units", headers={"Authorization": f"Bearer {new_key}"})
    ).status_code == 200


# --- T19 -----------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client_from(api: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api.svc.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://landlords.test")


async def test_authentication_failures_are_limited_per_address(api: Any) -> None:
    clock = FakeClock()
    api.svc.runtime.extras["rate_limits"].set_clock(clock)
    landlord = await api.onboard()
    wrong = {"Authorization": f"Bearer lk_{'1' * 16}_wrong"}
    async with (
        _client_from(api, "203.0.113.7") as attacker,
        _client_from(api, "198.51.100.2") as neighbour,
    ):
        statuses = [(await attacker.get("/v1/units", headers=wrong)).status_code for _ in range(20)]
        assert statuses == [401] * 10 + [429] * 10
        limited = await attacker.get("/v1/units", headers=landlord.headers)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) == 60
        assert limited.json()["type"] == "urn:problem:housing:rate-limited"
        # Another address is not affected.
        assert (await neighbour.get("/v1/units", headers=landlord.headers)).status_code == 200
        # Never a permanent lockout: the window slides.
        clock.now += 61
        assert (await attacker.get("/v1/units", headers=landlord.headers)).status_code == 200


async def test_a_landlord_over_its_write_budget_does_not_slow_another(api: Any) -> None:
    clock = FakeClock()
    api.svc.runtime.extras["rate_limits"].set_clock(clock)
    a = await api.onboard()
    b = await api.onboard()
    missing = uuid.uuid4()
    a_statuses = []
    b_statuses = []
    for i in range(100):
        clock.now += 0.5  # 100 writes within 50 s
        r = await api.client.delete(f"/v1/units/{missing}", headers=a.headers)
        a_statuses.append(r.status_code)
        if i % 10 == 0:
            rb = await api.client.delete(f"/v1/units/{missing}", headers=b.headers)
            b_statuses.append(rb.status_code)
    assert a_statuses[:60] == [404] * 60
    assert set(a_statuses[60:]) == {429}
    assert set(b_statuses) == {404}
    # Reads have their own budget.
    assert (await api.client.get("/v1/units", headers=a.headers)).status_code == 200
    clock.now += 60
    assert (await api.client.delete(f"/v1/units/{missing}", headers=a.headers)).status_code == 404


async def test_reads_budget_and_daily_unit_quota(start_api: Any) -> None:
    async with start_api(landlord_reads_per_min=5, landlord_units_per_day=2) as api:
        landlord = await api.onboard()
        statuses = [
            (await api.client.get("/v1/units", headers=landlord.headers)).status_code
            for _ in range(6)
        ]
        assert statuses == [200] * 5 + [429]
        await api.create_unit(landlord, unit_reference="1")
        await api.create_unit(landlord, unit_reference="2")
        third = await api.client.post(
            "/v1/units", json=api.unit(unit_reference="3"), headers=landlord.keyed()
        )
        assert third.status_code == 429
        assert "retry-after" in third.headers


async def test_token_attacks_get_the_same_401(api: Any) -> None:
    import base64
    import json
    import time

    signer = api.keys.signer

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"iss": signer.issuer, "sub": "x", "aud": "agency-api", "roles": ["caseworker"]}
    now = int(time.time())
    tokens = {
        "expired": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], now=now - 3600, ttl_s=60
        ),
        "no roles": signer.mint(sub="x", audience="agency-api"),
        "alg none": b64({"alg": "none", "kid": signer.kid})
        + "."
        + b64(claims | {"iat": now, "exp": now + 60})
        + ".",
        "tampered": signer.mint(sub="x", audience="agency-api", roles=["caseworker"])[:-4] + "AAAA",
        "oversized": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], extra={"pad": "x" * 16384}
        ),
        "service token for another service": signer.mint(sub="svc-registry", audience="registry"),
    }
    bodies = []
    for name, token in tokens.items():
        response = await api.client.get("/v1/units", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        body = response.json()
        body.pop("instance")
        bodies.append(body)
    assert all(b == bodies[0] for b in bodies)
