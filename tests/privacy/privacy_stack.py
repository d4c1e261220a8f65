"""The four services in process on one real broker, each also served over loopback HTTP, so that
the registry's export, the notifications sender (contacts, links) and erasure confirmations take
their real paths. Email goes to the demo SMTP sink (a real aiosmtpd server writing .eml files),
SMS to the demo file sink: those files are the fake providers' records of T21.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import secrets
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from shared.fiscal_codes import partita_iva_check_digit
from shared.testing.canaries import HouseholdCanaries
from shared.testing.databases import DatabaseUrls
from shared.testing.inspect import count_rows
from shared.testing.nats import free_port
from shared.testing.services import DevKeys, RunningService, ServiceStarter
from shared.testing.waiting import wait_until

SERVICES = ("registry", "landlords", "matching", "notifications")
UNIT: dict[str, Any] = {
    "address": "Via Solferino 12",
    "comune": "Cremona",
    "zone": "semicentro",
    "surface_m2": "40",
    "rooms": 2,
    "bedrooms": 1,
    "energy_class": "C",
    "monthly_rent_eur": "220.00",
    "service_charges_eur": "60.00",
    "contract_type": "concordato",
    "contract_term": "3+2",
    "filters": {"max_occupants": 2, "pets_allowed": True},
}


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def _serve(app: FastAPI, sock: socket.socket) -> AsyncIterator[None]:
    """uvicorn on a socket bound beforehand; the app's lifespan is already running."""
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:

        async def started() -> bool:
            if task.done():
                task.result()
            return server.started

        await wait_until(started, within=10, every=0.01)
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class Stack:
    services: dict[str, RunningService]
    keys: DevKeys
    database_urls: DatabaseUrls
    mail_dir: Path
    sms_file: Path
    _serial: int = 0
    landlord_keys: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # every staff token this stack presented

    def client(self, service: str) -> httpx.AsyncClient:
        return self.services[service].client

    def staff(self, role: str = "caseworker", *, keyed: bool = False) -> dict[str, str]:
        headers = self.keys.headers(role, sub=f"{role}-1")
        self.tokens.append(headers["Authorization"].removeprefix("Bearer "))
        if keyed:
            headers["Idempotency-Key"] = self.next_key()
        return headers

    def service_token(self, caller: str, audience: str) -> dict[str, str]:
        token = self.keys.signer.mint(sub=f"svc-{caller}", audience=audience, ttl_s=300)
        return {"Authorization": f"Bearer {token}"}

    def next_key(self) -> str:
        self._serial += 1
        return f"priv-{self._serial}-{uuid.uuid4().hex[:8]}"

    def database_url(self, service: str) -> str:
        return self.database_urls.url(service)

    # --- the flow through the public APIs ----------------------------------------------------

    async def register(self, household: HouseholdCanaries, **overrides: Any) -> str:
        r = await self.client("registry").post(
            "/v1/households",
            json=household.registration(**overrides),
            headers=self.staff(keyed=True),
        )
        assert r.status_code == 201, r.text
        hid: str = r.json()["id"]
        v = await self.client("registry").post(f"/v1/households/{hid}/verify", headers=self.staff())
        assert v.status_code == 200, v.text
        return hid

    async def onboard(self, name: str) -> tuple[str, str]:
        """A landlord through the public API: (landlord id, its plaintext API key)."""
        self._serial += 1
        first10 = f"0{(self._serial * 7919 + uuid.uuid4().int) % 10**9:09d}"
        r = await self.client("landlords").post(
            "/v1/landlords",
            json={
                "legal_form": "organisation",
                "kind": "sas_operator",
                "display_name": name,
                "partita_iva": first10 + partita_iva_check_digit(first10),
                "email": f"landlord{self._serial}@example.org",
                "phone": "+390372000000",
                "language": "it",
            },
            headers=self.staff(keyed=True),
        )
        assert r.status_code == 201, r.text
        data = r.json()
        self.landlord_keys.append(data["api_key"])
        return data["landlord"]["id"], data["api_key"]

    async def unit(self, api_key: str, *, note: str) -> str:
        r = await self.client("landlords").post(
            "/v1/units",
            json={**UNIT, "unit_reference": f"U{self._serial}", "notes": note},
            headers={"Authorization": f"Bearer {api_key}", "Idempotency-Key": self.next_key()},
        )
        assert r.status_code == 201, r.text
        unit_id: str = r.json()["id"]
        v = await self.client("landlords").post(
            f"/v1/units/{unit_id}/verification",
            json={"outcome": "approve", "note": note},
            headers=self.staff(),
        )
        assert v.status_code == 200, v.text
        return unit_id

    async def rows_reach(self, service: str, table: str, count: int, within: float = 30) -> None:
        async def reached() -> bool:
            return await count_rows(self.services[service], table) >= count

        await wait_until(reached, within=within)

    async def settle(self, within: float = 60) -> None:
        """Every outbox published and every consumer caught up: a profile row can arrive before
        the status event that makes the household matchable, so counting rows is not enough."""

        async def settled() -> bool:
            for svc in self.services.values():
                if (await svc.runtime.relay.backlog()).count:
                    return False
                for consumer in svc.runtime.consumers:
                    await consumer.refresh_lag()
                    if consumer.lag:
                        return False
            return True

        await wait_until(settled, within=within)

    async def round(self, *, approve: bool = True) -> dict[str, Any]:
        await self.settle()
        r = await self.client("matching").post(
            "/v1/rounds", json={}, headers=self.staff(keyed=True)
        )
        assert r.status_code == 202, r.text
        round_id = r.json()["id"]
        found: dict[str, Any] = {}

        async def completed() -> bool:
            got = await self.client("matching").get(f"/v1/rounds/{round_id}", headers=self.staff())
            found.update(got.json())
            return bool(got.json()["status"] == "completed")

        await wait_until(completed, within=30)
        if approve:
            a = await self.client("matching").post(
                f"/v1/rounds/{round_id}/approve", headers=self.staff("supervisor", keyed=True)
            )
            assert a.status_code == 200, a.text
        return found

    async def offers(self, round_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(100):
            params: dict[str, Any] = {"round_id": round_id, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            r = await self.client("matching").get("/v1/offers", params=params, headers=self.staff())
            assert r.status_code == 200, r.text
            items += r.json()["items"]
            cursor = r.json().get("next_cursor")
            if not cursor:
                return items
        raise AssertionError("too many pages of offers")

    async def settled(self) -> bool:
        """Every relay has published its outbox."""
        for svc in self.services.values():
            if (await svc.runtime.relay.backlog()).count:
                return False
        return True

    def provider_records(self) -> list[tuple[str, str]]:
        """(where, text) of every email the SMTP sink accepted and every SMS line written."""
        out = [
            (f"smtp {p.name}", _email_text(p.read_bytes()))
            for p in sorted(self.mail_dir.glob("*.eml"))
        ]
        if self.sms_file.exists():
            lines = self.sms_file.read_text(encoding="utf-8").splitlines()
            out += [(f"sms line {i}", line) for i, line in enumerate(lines, start=1)]
        return out


def _email_text(raw: bytes) -> str:
    """Headers and every decoded text part: a canary in a base64 body is still found."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [str(k) + ": " + str(v) for k, v in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))  # type: ignore[attr-defined]
    return "\n".join(parts)


def overrides(urls: dict[str, str], tmp_path: Path) -> dict[str, dict[str, Any]]:
    link_keys = json.dumps({"1": base64.b64encode(secrets.token_bytes(32)).decode()})
    return {
        "registry": {},
        "landlords": {"auth_failures_per_min": 100_000},
        "matching": {
            "link_keys": link_keys,
            "round_lease_s": 0.6,
            "round_poll_s": 0.1,
            "public_base_url": urls["matching"],
        },
        "notifications": {
            "demo_smtp_sink_dir": tmp_path / "mail",
            "smtp_port": free_port(),
            "smtp_timeout_s": 5.0,
            "sms_file_path": tmp_path / "sms.jsonl",
            "link_schemes": ("https", "http"),
            "sender_poll_s": 0.1,
            "sender_retry_base_s": 0.2,
            "sender_retry_cap_s": 1.0,
        },
    }


@asynccontextmanager
async def running_stack(
    start_service: ServiceStarter,
    keys: DevKeys,
    database_urls: DatabaseUrls,
    tmp_path: Path,
    **extra: dict[str, Any],
) -> AsyncIterator[Stack]:
    sockets = {s: _bound_socket() for s in SERVICES}
    urls = {s: f"http://127.0.0.1:{sock.getsockname()[1]}" for s, sock in sockets.items()}
    per_service = overrides(urls, tmp_path)
    async with AsyncExitStack() as stack:
        services: dict[str, RunningService] = {}
        for name in SERVICES:
            settings = {**per_service[name], **extra.get(name, {}), "service_urls": urls}
            services[name] = await stack.enter_async_context(start_service(name, **settings))
        for name in SERVICES:
            await stack.enter_async_context(_serve(services[name].app, sockets[name]))
        world = Stack(
            services=services,
            keys=keys,
            database_urls=database_urls,
            mail_dir=tmp_path / "mail",
            sms_file=tmp_path / "sms.jsonl",
        )
        yield world
        await wait_until(world.settled, within=30)
