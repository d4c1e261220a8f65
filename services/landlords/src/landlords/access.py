"""Who may call a route, and how often: authentication with rate limits, and key-use records.

Authentication failures are counted per hashed client address and per presented key id; past
the limit the caller gets 429 with Retry-After before any credential is looked up (RELIABILITY
3.5). A landlord's key has its own read and write budgets. Every accepted key use is recorded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi import Request

from landlords.service import keys
from landlords.settings import Settings
from shared.auth import Authorize, Principal, parse_api_key
from shared.errors import RateLimited, Unauthenticated
from shared.ratelimit import MonotonicClock, SlidingWindow, hashed_address
from shared.runtime.service import ServiceRuntime

MINUTE = 60.0
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class RateLimits:
    auth_failures: SlidingWindow
    writes: SlidingWindow
    reads: SlidingWindow
    units_per_day: int
    clock: MonotonicClock = field(default=time.monotonic)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            auth_failures=SlidingWindow(settings.auth_failures_per_min, MINUTE),
            writes=SlidingWindow(settings.landlord_writes_per_min, MINUTE),
            reads=SlidingWindow(settings.landlord_reads_per_min, MINUTE),
            units_per_day=settings.landlord_units_per_day,
        )

    def set_clock(self, clock: MonotonicClock) -> None:
        """Tests move time by hand (RELIABILITY 3.5: an injectable clock)."""
        self.clock = clock
        for window in (self.auth_failures, self.writes, self.reads):
            window.set_clock(clock)


def limits_of(runtime: ServiceRuntime) -> RateLimits:
    limits: RateLimits = runtime.extras["rate_limits"]
    return limits


def _presented_key_id(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    parsed = parse_api_key(token) if scheme.lower() == "bearer" else None
    return None if parsed is None else parsed[0]


class LandlordsAuthorize(Authorize):
    """`Authorize` with the landlords service's rate limits and key-use records."""

    async def __call__(self, request: Request) -> Principal:
        runtime: ServiceRuntime = request.app.state.runtime
        limits = limits_of(runtime)
        key_id = _presented_key_id(request)
        counters = [f"ip:{hashed_address(request.client.host if request.client else None)}"]
        if key_id is not None:
            counters.append(f"key:{key_id}")
        waits = [w for c in counters if (w := limits.auth_failures.retry_after(c)) is not None]
        if waits:
            raise RateLimited(retry_after_s=max(waits))
        try:
            principal = await super().__call__(request)
        except Unauthenticated:
            for counter in counters:
                limits.auth_failures.record(counter)
            raise
        if principal.kind == "landlord" and key_id is not None:
            budget = limits.reads if request.method in READ_METHODS else limits.writes
            wait = budget.take(key_id)
            if wait is not None:
                raise RateLimited(retry_after_s=wait)
            route = getattr(request.scope.get("route"), "path", "<unmatched>")
            async with runtime.db.uow() as uow:
                await keys.record_key_use(
                    uow, key_id=key_id, method=request.method, route=route, now=runtime.db.clock()
                )
                await uow.commit()
        return principal
