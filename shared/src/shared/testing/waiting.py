"""Bounded waiting for tests: every wait has a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, within: float = 10.0, every: float = 0.05
) -> None:
    """Poll `predicate` until it is true; fail the test after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        if await predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(every)
