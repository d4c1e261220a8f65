"""T18 across the four services: every bad credential gets the same 401, and none is logged.

The per-service tests cover their own rows (shared/tests/test_auth.py on a bare app, landlords'
keys, matching's links); this runs the whole attack list at a staff route of each real service,
plus what only a whole system has: a token minted for another service, a landlord key outside
the landlords service, a household link presented as a bearer token, a key in the query string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import pytest
from security_world import SERVICES, World, seeded_world

from shared.testing.services import DevKeys, ServiceStarter

# A staff-only read at each service: authentication is decided before anything else.
STAFF_ROUTE = {
    "registry": "/v1/households",
    "landlords": "/v1/landlords",
    "matching": "/v1/rounds",
    "notifications": "/v1/messages",
}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _attacks(world: World, service: str) -> dict[str, str]:
    signer = world.keys.signer
    now = time.time()
    good = signer.mint(sub="caseworker-1", audience="agency-api", roles=["caseworker"])
    header, _, signature = good.split(".")
    claims = {
        "iss": signer.issuer,
        "sub": "caseworker-1",
        "aud": "agency-api",
        "iat": int(now),
        "exp": int(now) + 600,
        "roles": ["caseworker"],
    }
    public = json.dumps(json.loads(world.keys.jwks.read_text())["keys"][0]).encode()
    hs_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': signer.kid})}.{_b64(claims)}"
    hs_mac = hmac.new(public, hs_input.encode(), hashlib.sha256).digest()
    other = next(s for s in SERVICES if s != service)
    attacks = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "HS256 signed with the public key": f"{hs_input}.{_b64url(hs_mac)}",
        "unknown kid": good.replace(header, _b64({"alg": "ES256", "kid": "nope", "typ": "JWT"}), 1),
        "expired": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], now=now - 3600, ttl_s=60
        ),
        "future nbf": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], now=now + 3600
        ),
        "wrong issuer": signer.__class__(signer.private_pem, signer.kid, "someone-else").mint(
            sub="x", audience="agency-api", roles=["caseworker"]
        ),
        f"a token for {other}": signer.mint(
            sub="svc-registry", audience=other, roles=["caseworker"]
        ),
        "tampered": f"{header}.{_b64({**claims, 'roles': ['supervisor']})}.{signature}",
        "16 KiB": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], extra={"pad": "a" * 16384}
        ),
        "garbage": "not-a-token",
        "household link": world.tenants["household-h1"].link,
    }
    if service != "landlords":
        attacks["a landlord key"] = world.tenants["landlord-a"].api_key
    else:
        attacks["unknown landlord key"] = "lk_0123456789abcdef_" + "A" * 43
        attacks["wrong prefix"] = "pk_" + world.tenants["landlord-a"].api_key[3:]
    return attacks


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_every_bad_credential_gets_one_401_at_every_service_and_is_never_logged(
    start_service: ServiceStarter, dev_keys: DevKeys, caplog: pytest.LogCaptureFixture
) -> None:
    async with seeded_world(start_service, dev_keys) as world:
        caplog.set_level(logging.DEBUG)
        caplog.clear()
        presented: list[str] = []
        bodies: set[str] = set()
        for service in SERVICES:
            client, route = world.client(service), STAFF_ROUTE[service]
            attempts = [
                (name, {"Authorization": f"Bearer {t}"})
                for name, t in _attacks(world, service).items()
            ]
            attempts += [
                ("no credentials", {}),
                ("basic scheme", {"Authorization": f"Basic {world.tenants['landlord-a'].api_key}"}),
            ]
            for name, headers in attempts:
                response = await client.get(route, headers=headers)
                assert response.status_code == 401, (service, name, response.text)
                assert response.headers["www-authenticate"] == "Bearer", (service, name)
                body = response.json()
                body.pop("instance")
                bodies.add(json.dumps(body, sort_keys=True))
                presented.append(headers.get("Authorization", "").split(" ", 1)[-1])
            # A key in the query string is no credential, even a valid one.
            for param in ("api_key", "access_token", "token"):
                secret = world.tenants["landlord-a"].api_key
                response = await client.get(route, params={param: secret})
                assert response.status_code == 401, (service, param)
                body = response.json()
                body.pop("instance")
                bodies.add(json.dumps(body, sort_keys=True))
        assert len(bodies) == 1, bodies
        # The services' records; httpx's own lines are this test's client echoing what it sent.
        records = [r for r in caplog.records if not r.name.startswith("httpx")]
        logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)
        secrets = [p for p in presented if len(p) > 20]
        secrets += [world.tenants["landlord-a"].api_key, world.tenants["household-h1"].link]
        assert records, "the denials should be logged (without credentials)"
        # A whole credential, or any long part of one (a JWT's payload or signature), counts.
        pieces = {p for s in secrets for p in (s, *s.split(".")) if len(p) > 16}
        leaked = [p[:12] for p in pieces if p in logged]
        where = [
            f"{r.name} {r.getMessage()[:200]}"
            for r in records
            if any(p in f"{r.getMessage()} {r.__dict__}" for p in pieces)
        ]
        assert leaked == [], where[:3]
