"""Fixtures of the landlords API tests: a running service, onboarded landlords and valid units."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.events import matching
from shared.events.base import Event
from shared.fiscal_codes import partita_iva_check_digit
from shared.testing.nats import NatsServer
from shared.testing.payloads import unit_submission
from shared.testing.services import DevKeys, RunningService, ServiceStarter
from shared.testing.waiting import wait_until

_serial = itertools.count(1)


def valid_unit(**overrides: Any) -> dict[str, Any]:
    """A concordato bilocale in Cremona semicentro, inside its placeholder band."""
    return {**unit_submission(0), "unit_reference": "A1", **overrides}


def new_partita_iva() -> str:
    first10 = f"0{next(_serial) + uuid.uuid4().int % 10**6:09d}"[:10]
    return first10 + partita_iva_check_digit(first10)


@dataclass
class OnboardedLandlord:
    id: str
    api_key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def keyed(self, key: str | None = None) -> dict[str, str]:
        return {**self.headers, "Idempotency-Key": key or uuid.uuid4().hex}


@dataclass
class Api:
    svc: RunningService
    keys: DevKeys
    nats: NatsServer
    _count: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def client(self) -> httpx.AsyncClient:
        return self.svc.client

    @staticmethod
    def unit(**overrides: Any) -> dict[str, Any]:
        return valid_unit(**overrides)

    def staff(self, role: str = "caseworker", *, key: str | None = None) -> dict[str, str]:
        headers = self.keys.headers(role)
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def service(self, name: str) -> dict[str, str]:
        token = self.keys.signer.mint(sub=name, audience="landlords", ttl_s=300)
        return {"Authorization": f"Bearer {token}"}

    def landlord_body(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "legal_form": "organisation",
            "kind": "sas_operator",
            "display_name": f"Cooperativa Casa {next(self._count)}",
            "partita_iva": new_partita_iva(),
            "email": "casa@example.org",
            "phone": "+390372000000",
            "language": "it",
        }
        body.update(overrides)
        return body

    async def onboard(self, **overrides: Any) -> OnboardedLandlord:
        response = await self.client.post(
            "/v1/landlords",
            json=self.landlord_body(**overrides),
            headers=self.staff(key=uuid.uuid4().hex),
        )
        assert response.status_code == 201, response.text
        data = response.json()
        return OnboardedLandlord(
            id=data["landlord"]["id"], api_key=data["api_key"], key_id=data["api_key_id"]
        )

    async def create_unit(self, landlord: OnboardedLandlord, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/units", json=valid_unit(**overrides), headers=landlord.keyed()
        )
        assert response.status_code == 201, response.text
        unit: dict[str, Any] = response.json()
        return unit

    async def verify(self, unit_id: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"/v1/units/{unit_id}/verification", json=body, headers=self.staff()
        )

    async def publish(self, user: str, *events: Event) -> None:
        """Publish events as another service's NATS user, as its outbox relay would."""
        nc = await self.nats.connect(user)
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

    @staticmethod
    def offer_made(
        landlord: OnboardedLandlord, unit: dict[str, Any], **overrides: Any
    ) -> matching.OfferMade:
        """Matching's offer on a unit, with the facts a landlord may see (DOMAIN 5.4)."""
        now = datetime.now(UTC)
        fields: dict[str, Any] = {
            "entity_version": 1,
            "offer_id": uuid.uuid4(),
            "household_id": uuid.uuid4(),
            "unit_id": uuid.UUID(unit["id"]),
            "landlord_id": uuid.UUID(landlord.id),
            "programme": "agency",
            "respond_by": now + timedelta(days=10),
            "landlord_decide_by": now + timedelta(days=15),
            "household_size": 3,
            "pets": True,
            "smoker": False,
            "comune": "Cremona",
            "rent_eur": Decimal("280.00"),
            "charges_eur": Decimal("60.00"),
        }
        fields.update(overrides)
        return matching.OfferMade(**fields)

    async def settle(self) -> None:
        """Stop only once the relay has sent everything: no test ends with a publish in flight."""
        await wait_until(self.published, within=30)

    async def published(self) -> bool:
        return (await self.svc.runtime.relay.backlog()).count == 0


@pytest.fixture
async def api(
    start_service: ServiceStarter, dev_keys: DevKeys, clean_streams: NatsServer
) -> AsyncIterator[Api]:
    async with start_service("landlords") as svc:
        api = Api(svc=svc, keys=dev_keys, nats=clean_streams)
        yield api
        await api.settle()


@pytest.fixture
def start_api(
    start_service: ServiceStarter, dev_keys: DevKeys, clean_streams: NatsServer
) -> Callable[..., AbstractAsyncContextManager[Api]]:
    """`async with start_api(setting=value) as api:` for tests that need other settings."""

    @asynccontextmanager
    async def _start(*, broker: bool = True, **overrides: Any) -> AsyncIterator[Api]:
        async with start_service("landlords", broker=broker, **overrides) as svc:
            api = Api(svc=svc, keys=dev_keys, nats=clean_streams)
            yield api
            if broker:
                await api.settle()

    return _start
