"""T14/T17 rows for matching's routes: deny by default, roles before lookups, closed request schemas."""

from __future__ import annotations

import uuid
from typing import Any

ANY = str(uuid.uuid4())
ROUTES = [
    ("GET", "/v1/pool"),
    ("GET", "/v1/policies"),
    ("GET", "/v1/rounds"),
    ("POST", "/v1/rounds"),
    ("GET", f"/v1/rounds/{ANY}"),
    ("GET", f"/v1/rounds/{ANY}/snapshot"),
    ("GET", f"/v1/rounds/{ANY}/offers"),
    ("GET", f"/v1/rounds/{ANY}/explanations/{ANY}"),
    ("POST", f"/v1/rounds/{ANY}/approve"),
    ("GET", "/v1/offers"),
    ("GET", f"/v1/offers/{ANY}"),
    ("POST", f"/v1/offers/{ANY}/response"),
    ("POST", f"/v1/offers/{ANY}/classification"),
    ("POST", f"/v1/offers/{ANY}/visit"),
    ("POST", "/v1/simulations"),
    ("GET", f"/internal/v1/offers/{ANY}/link"),
    ("GET", f"/internal/v1/households/{ANY}/export"),
]


async def test_t14_credentials_then_roles_before_any_lookup(env: Any) -> None:
    for method, path in ROUTES:
        r = await env.client.request(method, path, json={})
        assert r.status_code == 401, (method, path)
        assert r.headers["content-type"].startswith("application/problem+json")
    service_only = [p for p in ROUTES if p[1].startswith("/internal")]
    supervisor_only = [("POST", f"/v1/rounds/{ANY}/approve"), ("POST", "/v1/simulations")]
    for method, path in [*service_only, *supervisor_only]:
        r = await env.client.request(method, path, json={}, headers=env.staff("caseworker"))
        assert r.status_code == 403, (method, path)
    for method, path in ROUTES:
        if path.startswith("/internal"):
            continue
        r = await env.client.request(method, path, json={}, headers=env.service("notifications"))
        assert r.status_code == 403, (method, path)
    openapi = env.svc.app.openapi()["paths"]
    documented = {(m.upper(), p) for p, ops in openapi.items() for m in ops}
    assert len(documented) >= len(ROUTES) + 2  # plus the household page


CLOSED_SCHEMA_CASES = [
    ("/v1/rounds", {"programme": "agency", "seed": "chosen"}),
    ("/v1/rounds", {"programme": "agency", "status": "approved"}),
    ("/v1/rounds", {"comuni": ["Atlantide"]}),
    ("/v1/rounds", {"comuni": ["Crem\u0000ona"]}),
    (f"/v1/offers/{ANY}/response", {"answer": "accept", "household_id": ANY}),
    (f"/v1/offers/{ANY}/response", {"answer": "decline", "reason_code": "NATIONALITY"}),
    (f"/v1/offers/{ANY}/classification", {"classification": "maybe"}),
]


async def test_t17_closed_schemas_and_keys(env: Any) -> None:
    for path, body in CLOSED_SCHEMA_CASES:
        r = await env.client.post(path, json=body, headers=env.staff("supervisor", keyed=True))
        assert r.status_code == 422, (path, body)
        assert "Crem" not in r.text
        assert "chosen" not in r.text
    r = await env.client.post("/v1/rounds", json={}, headers=env.staff())
    assert r.status_code == 400
    assert r.json()["type"].endswith("idempotency-key-missing")
