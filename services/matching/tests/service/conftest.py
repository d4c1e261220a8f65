"""Fixtures of the matching service tests: a running service fed as the registry and landlords would."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.events import landlords, registry
from shared.events.base import Event
from shared.testing.inspect import count_rows
from shared.testing.nats import NatsServer
from shared.testing.services import DevKeys, RunningService, ServiceStarter
from shared.testing.waiting import wait_until

LINK_KEYS = json.dumps({"1": base64.b64encode(secrets.token_bytes(32)).decode()})
SERVICE_OVERRIDES = {
    "link_keys": LINK_KEYS,
    "round_lease_s": 0.6,
    "round_poll_s": 0.1,
    "public_base_url": "http://matching.test",
}


def profile(**overrides: Any) -> registry.MatchingProfile:
    fields: dict[str, Any] = {
        "programmes": (
            registry.ProgrammeEligibility(programme="agency", eligible=True, status="eligible"),
        ),
        "size": 2,
        "priority": 50,
        "application_time": datetime(2026, 1, 10, tzinfo=UTC),
        "max_rent_eur": Decimal("500.00"),
        "affordability_share_bp": 3000,
        "residence_comune": "Cremona",
        "acceptable_comuni": ("Cremona",),
    }
    fields.update(overrides)
    return registry.MatchingProfile(**fields)


def registered(
    household_id: uuid.UUID | None = None, *, version: int = 1, **kw: Any
) -> registry.HouseholdRegistered:
    p = profile(**kw)
    return registry.HouseholdRegistered(
        household_id=household_id or uuid.uuid4(),
        entity_version=version,
        size=p.size,
        residence_comune=p.residence_comune,
        application_time=p.application_time,
        profile=p,
    )


def published(
    unit_id: uuid.UUID | None = None, *, version: int = 1, **kw: Any
) -> landlords.UnitPublished:
    fields: dict[str, Any] = {
        "unit_id": unit_id or uuid.uuid4(),
        "entity_version": version,
        "landlord_id": uuid.uuid4(),
        "comune": "Cremona",
        "area_m2": Decimal("55.0"),
        "rooms": 2,
        "bedrooms": 1,
        "floor": 1,
        "lift": True,
        "step_free": True,
        "rent_eur": Decimal("300.00"),
        "charges_eur": Decimal("60.00"),
        "band_ok": True,
        "contract_type": "concordato",
        "max_occupants": 4,
    }
    fields.update(kw)
    return landlords.UnitPublished(**fields)


@dataclass
class Env:
    svc: RunningService
    keys: DevKeys
    nats: NatsServer

    registered = staticmethod(registered)
    published = staticmethod(published)
    profile = staticmethod(profile)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.svc.client

    def staff(self, role: str = "caseworker", *, keyed: bool = False) -> dict[str, str]:
        headers = self.keys.headers(role)
        if keyed:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return headers

    def service(self, name: str) -> dict[str, str]:
        token = self.keys.signer.mint(sub=f"svc-{name}", audience="matching", ttl_s=300)
        return {"Authorization": f"Bearer {token}"}

    async def publish(self, *events: Event, user: str | None = None) -> None:
        nc = await self.nats.connect(user or events[0].producer())
        try:
            js = nc.jetstream(timeout=5)
            for event in events:
                await js.publish(
                    event.subject,
                    event.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": str(event.event_id)},
                )
        finally:
            await nc.close()

    async def settle(self, table: str, count: int) -> None:
        async def reached() -> bool:
            return await count_rows(self.svc, table) >= count

        await wait_until(reached, within=15)

    async def round(self, *, approve: bool = False, **body: Any) -> dict[str, Any]:
        r = await self.client.post("/v1/rounds", json=body, headers=self.staff(keyed=True))
        assert r.status_code == 202, r.text
        round_id = r.json()["id"]
        found: dict[str, Any] = {}

        async def completed() -> bool:
            got = await self.client.get(f"/v1/rounds/{round_id}", headers=self.staff())
            found.update(got.json())
            return got.json()["status"] == "completed"

        await wait_until(completed, within=30)
        if approve:
            a = await self.client.post(
                f"/v1/rounds/{round_id}/approve", headers=self.staff("supervisor", keyed=True)
            )
            assert a.status_code == 200, a.text
        return found

    async def offers(self, **params: Any) -> list[dict[str, Any]]:
        r = await self.client.get("/v1/offers", params=params, headers=self.staff())
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    def clock_after(self, days: int) -> datetime:
        return datetime.now(UTC) + timedelta(days=days)


@pytest.fixture
async def env(
    start_service: ServiceStarter, dev_keys: DevKeys, clean_streams: NatsServer
) -> AsyncIterator[Env]:
    async with start_service("matching", **SERVICE_OVERRIDES) as svc:
        yield Env(svc=svc, keys=dev_keys, nats=clean_streams)
