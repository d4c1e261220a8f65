"""Builders for the registry's API tests: valid codici fiscali, household bodies, a started registry."""

from __future__ import annotations

import itertools
import string
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from typing import Any

import httpx
import pytest

from shared.fiscal_codes import codice_fiscale_check_char
from shared.testing.services import DevKeys, RunningService, ServiceStarter

_counter = itertools.count(1)


def make_cf(n: int | None = None, *, valid: bool = True) -> str:
    """A syntactically valid codice fiscale, unique per n (check character right unless told)."""
    n = next(_counter) if n is None else n
    letters = ""
    for _ in range(6):
        n, r = divmod(n, 26)
        letters += string.ascii_uppercase[r]
    body = f"{letters}80A01D150"
    check = codice_fiscale_check_char(body)
    if not valid:
        check = string.ascii_uppercase[(string.ascii_uppercase.index(check) + 1) % 26]
    return body + check


def person(**overrides: Any) -> dict[str, Any]:
    return {
        "given_name": "Maria",
        "family_name": "Rossi",
        "codice_fiscale": make_cf(),
        "birth_date": "1980-01-01",
        **overrides,
    }


def household_body(**overrides: Any) -> dict[str, Any]:
    """A single adult in Cremona, eligible for every programme on 2026-11-25."""
    body: dict[str, Any] = {
        "reference": "CR-1",
        "applicant": person(),
        "residence_comune": "Cremona",
        "resides_in_lombardy": True,
        "legal_status": {"citizenship": "italian"},
        "isee": {
            "value_cents": 900_000,
            "issued_on": f"{date.today().year}-02-01",
            "equivalence_scale": "1",
        },
        "net_monthly_income_cents": 120_000,
        "contacts": {"email": "maria@example.org", "mobile": "+393331234567"},
        "consents": {"contact_email": True, "contact_sms": True},
    }
    body.update(overrides)
    return body


class Registry:
    """A started registry with helpers that speak its API as a caseworker or supervisor."""

    def __init__(self, svc: RunningService, keys: DevKeys) -> None:
        self.svc = svc
        self.keys = keys
        self.client = svc.client
        self._keys = itertools.count(1)

    def staff(self, role: str = "caseworker", **extra: str) -> dict[str, str]:
        return {**self.keys.headers(role), **extra}

    def keyed(self, role: str = "caseworker") -> dict[str, str]:
        return self.staff(role, **{"Idempotency-Key": f"key-{next(self._keys)}"})

    async def register(
        self, body: dict[str, Any] | None = None, **overrides: Any
    ) -> httpx.Response:
        return await self.client.post(
            "/v1/households", json=body or household_body(**overrides), headers=self.keyed()
        )

    async def registered(
        self, body: dict[str, Any] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        response = await self.register(body, **overrides)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def eligible(self, **overrides: Any) -> dict[str, Any]:
        created = await self.registered(**overrides)
        verified = await self.client.post(
            f"/v1/households/{created['id']}/verify", headers=self.staff()
        )
        assert verified.status_code == 200, verified.text
        result: dict[str, Any] = verified.json()
        return result


@pytest.fixture
def started(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> Callable[..., AbstractAsyncContextManager[Registry]]:
    """`async with started() as registry:` inside the test, so the lifespan starts and stops in
    the test's own task (an async generator fixture tears down in another task and can hang)."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Registry]:
        async with start_service("registry", **overrides) as svc:
            yield Registry(svc, dev_keys)

    return start


@pytest.fixture
def body() -> Callable[..., dict[str, Any]]:
    return household_body


@pytest.fixture
def cf() -> Callable[..., str]:
    return make_cf


@pytest.fixture
def member() -> Callable[..., dict[str, Any]]:
    def build(relation: str = "child", **overrides: Any) -> dict[str, Any]:
        return {**person(**overrides), "relation": relation}

    return build
