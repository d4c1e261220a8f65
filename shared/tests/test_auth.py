"""Staff and service tokens (RELIABILITY.md 3.1, T18's JWT rows): every bad token is the same 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from shared.auth import AuthContext, Authorize, Principal, TokenVerifier, mint_link, verify_link
from shared.runtime.problems import install_problem_handlers
from shared.testing.services import DevKeys


@pytest.fixture
async def client(dev_keys: DevKeys) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.auth = AuthContext(
        service="landlords",
        verifier=TokenVerifier.from_file(dev_keys.jwks, issuer=dev_keys.issuer),
        audience="agency-api",
    )

    @app.get("/staff")
    async def staff(
        p: Annotated[Principal, Depends(Authorize(roles={"caseworker"}))],
    ) -> dict[str, str]:
        return {"kind": p.kind, "id": p.id}

    @app.get("/supervisors")
    async def supervisors(
        p: Annotated[Principal, Depends(Authorize(roles={"supervisor"}))],
    ) -> dict[str, str]:
        return {"kind": p.kind}

    @app.get("/internal")
    async def internal(
        p: Annotated[Principal, Depends(Authorize(services={"svc-notifications"}))],
    ) -> dict[str, str]:
        return {"id": p.id}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _hs256(claims: dict[str, object], *, key: bytes, kid: str) -> str:
    """A token "signed" with HMAC over the public key: the classic algorithm-confusion attack."""
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


async def test_valid_staff_and_service_tokens_pass_and_roles_are_enforced(
    client: httpx.AsyncClient, dev_keys: DevKeys
) -> None:
    caseworker = dev_keys.staff_token("caseworker")
    assert (await client.get("/staff", headers=bearer(caseworker))).json() == {
        "kind": "staff",
        "id": "caseworker-1",
    }
    assert (await client.get("/supervisors", headers=bearer(caseworker))).status_code == 403
    supervisor = dev_keys.staff_token("supervisor")
    assert (
        await client.get("/staff", headers=bearer(supervisor))
    ).status_code == 200  # supervisors may too
    service = dev_keys.signer.mint(sub="svc-notifications", audience="landlords")
    assert (await client.get("/internal", headers=bearer(service))).json() == {
        "id": "svc-notifications"
    }
    assert (await client.get("/staff", headers=bearer(service))).status_code == 403


async def test_every_kind_of_bad_token_gets_the_same_401(
    client: httpx.AsyncClient, dev_keys: DevKeys
) -> None:
    signer = dev_keys.signer
    now = time.time()
    good = signer.mint(sub="x", audience="agency-api", roles=["caseworker"])
    header, _payload, signature = good.split(".")
    public_key = json.dumps(json.loads(dev_keys.jwks.read_text())["keys"][0])
    claims = {
        "iss": dev_keys.issuer,
        "sub": "x",
        "aud": "agency-api",
        "iat": int(now),
        "exp": int(now) + 600,
        "roles": ["caseworker"],
    }
    attacks = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "HS256 with the public key": _hs256(claims, key=public_key.encode(), kid=signer.kid),
        "unknown kid": signer.mint(sub="x", audience="agency-api", roles=["caseworker"]).replace(
            header, _b64({"alg": "ES256", "kid": "nope", "typ": "JWT"}), 1
        ),
        "expired": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], now=now - 3600, ttl_s=60
        ),
        "future nbf": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], now=now + 3600
        ),
        "wrong issuer": signer.__class__(signer.private_pem, signer.kid, "someone-else").mint(
            sub="x", audience="agency-api", roles=["caseworker"]
        ),
        "a registry service token at landlords": signer.mint(
            sub="svc-registry", audience="registry"
        ),
        "tampered": f"{header}.{_b64({**claims, 'roles': ['supervisor']})}.{signature}",
        "no roles": signer.mint(sub="x", audience="agency-api"),
        "16 KiB": signer.mint(
            sub="x", audience="agency-api", roles=["caseworker"], extra={"pad": "a" * 16384}
        ),
        "garbage": "not-a-token",
        "unknown landlord key": "lk_0123456789abcdef_secret",
    }
    bodies = set()
    for name, token in attacks.items():
        response = await client.get("/staff", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        body.pop("instance")
        bodies.add(json.dumps(body, sort_keys=True))
    missing = await client.get("/staff")
    assert missing.status_code == 401
    assert len(bodies) == 1


def test_household_links_are_44_characters_and_bound_to_their_purpose() -> None:
    keys = {1: b"k" * 32, 2: b"q" * 32}
    jti = bytes(range(16))
    token = mint_link(keys=keys, kid=1, jti=jti, purpose="offer.respond")
    assert len(token) == 44
    assert verify_link(token, keys=keys, purpose="offer.respond") == jti
    assert verify_link(token, keys=keys, purpose="offer.view") is None
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert verify_link(forged, keys=keys, purpose="offer.respond") is None
    assert verify_link(token, keys={2: keys[2]}, purpose="offer.respond") is None
    assert verify_link("%%%", keys=keys, purpose="offer.respond") is None
