"""HTTP for `agency seed`: staff and landlord calls with bounded concurrency and safe retries."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx

from agency.stack import ISSUER, StackPaths
from shared.auth import Signer

AUDIENCE = "agency-api"
STAFF_SUB = "seed-caseworker"
SUPERVISOR_SUB = "seed-supervisor"
TOKEN_TTL_S = 3600
ATTEMPTS = 6
BACKOFF_S = 0.2
RETRY_AFTER_CAP_S = 10.0
PAGE = 100


class StackNotRunning(RuntimeError):
    """A service of the stack does not answer."""


def staff_signer(var: Path) -> Signer:
    """The embedded stack's dev issuer (var/keys), as `agency token` uses it."""
    paths = StackPaths(var)
    if not paths.private_key.exists():
        raise StackNotRunning(
            f"no signing key under {paths.keys}: start the stack with `agency up`"
        )
    return Signer.from_file(paths.private_key, issuer=ISSUER)


class SeedHttp:
    def __init__(
        self, *, clients: Mapping[str, httpx.AsyncClient], signer: Signer, concurrency: int
    ) -> None:
        self.clients = clients
        self.signer = signer
        self.gates = {service: asyncio.Semaphore(concurrency) for service in clients}
        self._tokens: dict[str, tuple[str, float]] = {}

    def _bearer(self, role: str, sub: str) -> str:
        token, expires = self._tokens.get(role, ("", 0.0))
        if time.monotonic() > expires:
            token = self.signer.mint(sub=sub, audience=AUDIENCE, roles=[role], ttl_s=TOKEN_TTL_S)
            self._tokens[role] = (token, time.monotonic() + TOKEN_TTL_S / 2)
        return f"Bearer {token}"

    async def check_up(self, services: Iterable[str]) -> None:
        for service in services:
            client = self.clients[service]
            try:
                r = await client.get("/health")
            except httpx.TransportError as exc:
                raise StackNotRunning(
                    f"the {service} service does not answer at {client.base_url} ({type(exc).__name__}); "
                    "is the stack running (`agency up`)?"
                ) from None
            if r.status_code != 200:
                raise StackNotRunning(f"the {service} service answers {r.status_code} on /health")

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        authorization: str,
        key: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request; transport errors, 429 and 503 are retried (keyed writes replay safely)."""
        headers = {"Authorization": authorization, **kwargs.pop("headers", {})}
        if key is not None:
            headers["Idempotency-Key"] = key
        client = self.clients[service]
        async with self.gates[service]:
            for attempt in range(ATTEMPTS):
                last = attempt == ATTEMPTS - 1
                try:
                    r = await client.request(method, path, headers=headers, **kwargs)
                except httpx.TransportError:
                    if last:
                        raise
                    await asyncio.sleep(BACKOFF_S * 2**attempt)
                    continue
                if r.status_code not in (429, 503) or last:
                    return r
                wait = float(r.headers.get("Retry-After", BACKOFF_S * 2**attempt))
                await asyncio.sleep(min(wait, RETRY_AFTER_CAP_S))
        raise AssertionError("unreachable")

    async def staff(
        self, service: str, method: str, path: str, *, supervisor: bool = False, **kwargs: Any
    ) -> httpx.Response:
        auth = (
            self._bearer("supervisor", SUPERVISOR_SUB)
            if supervisor
            else self._bearer("caseworker", STAFF_SUB)
        )
        return await self.send(service, method, path, authorization=auth, **kwargs)

    async def landlord(self, api_key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.send(
            "landlords", method, path, authorization=f"Bearer {api_key}", **kwargs
        )

    async def onboard(self, body: Mapping[str, Any], *, key: str) -> dict[str, str] | str:
        """Onboard a landlord: {landlord_id, api_key, email}, or the reason it failed.

        The key is shown once, so a replay after a crash cannot return it: the landlord is then
        found by its email and a supervisor issues a new key (rotation, at most two active).
        """
        r = await self.staff("landlords", "POST", "/v1/landlords", json=body, key=key)
        if r.status_code == 201:
            data = r.json()
            return {
                "landlord_id": data["landlord"]["id"],
                "api_key": data["api_key"],
                "email": str(body["email"]),
            }
        if not self.problem_type(r).endswith("idempotency-key-reused"):
            return self.reason(r)
        landlord_id = await self._find_landlord(str(body["email"]))
        if landlord_id is None:
            return self.reason(r)
        rotated = await self.staff(
            "landlords",
            "POST",
            f"/v1/landlords/{landlord_id}/api-keys",
            supervisor=True,
            key=f"{key}-recover-{uuid.uuid4().hex}",
        )
        if rotated.status_code != 201:
            return self.reason(rotated)
        return {
            "landlord_id": landlord_id,
            "api_key": rotated.json()["api_key"],
            "email": str(body["email"]),
        }

    async def _find_landlord(self, email: str) -> str | None:
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})
            r = await self.staff("landlords", "GET", "/v1/landlords", params=params)
            if r.status_code != 200:
                return None
            page = r.json()
            for item in page["items"]:
                if item.get("email") == email:
                    return str(item["id"])
            cursor = page.get("next_cursor")
            if not cursor:
                return None

    async def settle(self, *, households: int, units: int, within_s: float) -> tuple[int, int]:
        """Wait until matching can take the seeded eligible households (agency programme) and
        units in a round; the counts seen. A profile alone is not enough: the round takes a
        household once its eligibility has arrived too."""
        deadline = time.monotonic() + within_s
        seen = (0, 0)
        while True:
            r = await self.staff("matching", "GET", "/v1/pool")
            if r.status_code == 200:
                pool = r.json()
                seen = (int(pool["eligible"]["agency"]), int(pool["units"]))
            if (seen[0] >= households and seen[1] >= units) or time.monotonic() >= deadline:
                return seen
            await asyncio.sleep(0.2)

    @staticmethod
    def problem_type(r: httpx.Response) -> str:
        try:
            body = r.json()
        except ValueError:
            return ""
        return str(body.get("type", "")) if isinstance(body, dict) else ""

    @staticmethod
    def reason(r: httpx.Response) -> str:
        """Status, problem type and field error codes: problem bodies never echo personal data."""
        try:
            body = r.json()
        except ValueError:
            return f"HTTP {r.status_code}"
        if not isinstance(body, dict):
            return f"HTTP {r.status_code}"
        kind = str(body.get("type", "")).replace(":", "/").rsplit("/", 1)[-1] or str(
            body.get("title", "")
        )
        codes = [str(e.get("code")) for e in body.get("errors", []) if isinstance(e, dict)]
        return f"HTTP {r.status_code} {kind}" + (f" ({', '.join(codes)})" if codes else "")
