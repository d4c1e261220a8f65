"""T19 gaps across services: the household link pages' limit per link and address.

The landlords service's limits (authentication failures per address and key, each landlord's
read, write and daily unit budgets) are tested in services/landlords/tests/api/test_security_api.py;
the SMS caps in the notifications tests. With an injected clock, so nothing waits a minute.
"""

from __future__ import annotations

import base64
import json
import secrets
import time

import httpx

from shared.ratelimit import SlidingWindow
from shared.testing.services import DevKeys, RunningService, ServiceStarter

LINK_KEYS = json.dumps({"1": base64.b64encode(secrets.token_bytes(32)).decode()})


class Clock:
    def __init__(self) -> None:
        # Past any hit recorded on the real monotonic clock before the switch (by an hour).
        self.now = time.monotonic() + 3_600.0

    def __call__(self) -> float:
        return self.now


def _from(svc: RunningService, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=svc.app, client=(address, 41000))
    return httpx.AsyncClient(transport=transport, base_url="http://matching.test")


async def test_a_link_page_allows_ten_calls_a_minute_per_link_and_address(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("matching", broker=False, link_keys=LINK_KEYS) as svc:
        clock = Clock()
        # Forged links: the limit is decided before the token is checked, so no offer is needed.
        link, other_link = (
            base64.urlsafe_b64encode(secrets.token_bytes(33)).decode() for _ in "ab"
        )
        async with _from(svc, "203.0.113.9") as household, _from(svc, "198.51.100.4") as elsewhere:
            first = await household.get(f"/h/{link}")
            assert first.status_code == 401
            window: SlidingWindow = svc.runtime.extras["link_pages"]
            window.set_clock(clock)
            statuses = [(await household.get(f"/h/{link}")).status_code for _ in range(12)]
            assert statuses == [401] * 10 + [429] * 2
            limited = await household.post(f"/h/{link}/response", data={"answer": "accept"})
            assert limited.status_code == 429
            assert limited.headers["content-type"].startswith("application/problem+json")
            assert limited.json()["type"] == "urn:problem:housing:rate-limited"
            assert 1 <= int(limited.headers["retry-after"]) <= 60
            # Another link from the same address, the same link from another address: unaffected.
            assert (await household.get(f"/h/{other_link}")).status_code == 401
            assert (await elsewhere.get(f"/h/{link}")).status_code == 401
            # The window slides: no permanent lockout.
            clock.now += 61
            assert (await household.get(f"/h/{link}")).status_code == 401
