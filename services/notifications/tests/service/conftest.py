"""Service tests: the notifications app with a real NATS, a real local SMTP server (aiosmtpd), the
local SMS provider app, and a small local app standing in for the other services' internal APIs."""

from __future__ import annotations

import contextlib
import email
import email.policy
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from notifications.app import build_sender
from notifications.sending import Sender
from notifications.settings import Settings
from shared import faults
from shared.events.base import Event
from shared.testing.nats import NatsServer
from shared.testing.services import DevKeys, RunningService, ServiceStarter
from shared.testing.waiting import wait_until

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent), str(_HERE.parent / "delivery")]

if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import (
        free_port,
        serve,
    )
    from services.notifications.tests.delivery.notifications_smtp_helpers import Sink
    from services.notifications.tests.service.notifications_world import LINK, World
    from services.notifications.tests.sms_provider_app import FakeSmsProvider
else:
    from notifications_delivery_helpers import free_port, serve
    from notifications_smtp_helpers import Sink
    from notifications_world import LINK, World
    from sms_provider_app import FakeSmsProvider

DOMAIN = "notifications.abitare.test"
SMS_KEY = "test-provider-key"
RECEIPT_SECRET = "test-receipt-secret"
__all__ = ["LINK", "World"]  # re-exported for the tests that import them from here


@dataclass
class Harness:
    svc: RunningService
    world: World
    sink: Sink
    provider: FakeSmsProvider
    nats: NatsServer
    keys: DevKeys
    settings_overrides: dict[str, Any]

    @property
    def sender(self) -> Sender:
        sender: Sender = self.svc.runtime.extras["sender"]
        return sender

    def fresh_sender(self) -> Sender:
        """A new sender over the same database, as after a process restart."""
        settings = self.svc.runtime.settings
        assert isinstance(settings, Settings)
        return build_sender(self.svc.runtime, settings)

    async def publish(self, producer: str, *events: Event) -> None:
        nc = await self.nats.connect(producer)
        try:
            js = nc.jetstream(timeout=5)
            for ev in events:
                await js.publish(
                    ev.subject,
                    ev.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": str(ev.event_id)},
                )
        finally:
            await nc.close()

    async def rows(self, **match: Any) -> list[dict[str, Any]]:
        from shared.testing.inspect import rows

        found = await rows(self.svc, "message")
        return [r for r in found if all(str(r[k]) == str(v) for k, v in match.items())]

    async def send(self, *, after: timedelta = timedelta(seconds=1)) -> int:
        return await self.sender.run_once(now=datetime.now(UTC) + after)

    def emails(self) -> list[EmailMessage]:
        out = []
        for _from, _to, raw in self.sink.messages:
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            out.append(parsed)
        return out

    def staff(self) -> dict[str, str]:
        return self.keys.headers("caseworker")


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(sink: Sink, smtp_port: int) -> Iterator[Controller]:
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield controller
    with contextlib.suppress(
        RuntimeError, AssertionError
    ):  # a test may have stopped it already (SMTP down)
        controller.stop()


@pytest.fixture(autouse=True)
def _disarm() -> Iterator[None]:
    yield
    faults.disarm()


@pytest.fixture
async def harness(
    start_service: ServiceStarter,
    clean_streams: NatsServer,
    dev_keys: DevKeys,
    sink: Sink,
    smtp_port: int,
    smtp: Controller,
) -> AsyncIterator[Harness]:
    """The service with its sender stopped: tests drive `sender.run_once(now=...)` themselves."""
    world = World()
    provider = FakeSmsProvider(api_key=SMS_KEY, receipt_secret=RECEIPT_SECRET)
    async with serve(world.app) as world_url, serve(provider.app) as provider_url:
        overrides: dict[str, Any] = {
            "smtp_port": smtp_port,
            "smtp_message_id_domain": DOMAIN,
            "smtp_timeout_s": 2.0,
            "sms_provider_url": provider_url,
            "sms_provider_key": SMS_KEY,
            "sms_callback_url": "http://notifications.test/v1/delivery-receipts",
            "sms_callback_secret": RECEIPT_SECRET,
            "service_urls": {"registry": world_url, "landlords": world_url, "matching": world_url},
            "sender_enabled": False,
            "sender_retry_base_s": 1.0,
            "sender_retry_cap_s": 5.0,
        }
        async with start_service("notifications", **overrides) as svc:
            provider.receipt_transport = httpx.ASGITransport(app=svc.app)
            yield Harness(svc, world, sink, provider, clean_streams, dev_keys, overrides)

            # Receipts post back in the provider's background; let them land before the app stops.
            async def receipts_done() -> bool:
                return len(provider.receipts) >= len(provider.delivered)

            await wait_until(receipts_done, within=10)
