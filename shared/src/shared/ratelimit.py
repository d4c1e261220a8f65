"""In-process sliding-window rate limits with an injectable clock (RELIABILITY.md 3.5)."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

MonotonicClock = Callable[[], float]

# A per-process salt: hashed client addresses key the counters, and they are useless outside it.
_SALT = secrets.token_bytes(16)


def hashed_address(address: str | None) -> str:
    """A client address as an opaque counter key, never kept or logged in the clear."""
    return hashlib.sha256(_SALT + (address or "unknown").encode()).hexdigest()[:32]


@dataclass
class SlidingWindow:
    """At most `limit` units of weight per `window_s` seconds per key; the window slides."""

    limit: int
    window_s: float
    clock: MonotonicClock = time.monotonic
    _hits: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)

    def _live(self, key: str, now: float) -> deque[tuple[float, int]]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0][0] <= now - self.window_s:
            hits.popleft()
        if not hits:
            # Keys with nothing in the window are dropped, so memory follows current traffic only.
            del self._hits[key]
            hits = self._hits.setdefault(key, deque())
        return hits

    def used(self, key: str) -> int:
        return sum(w for _, w in self._live(key, self.clock()))

    def retry_after(self, key: str, *, weight: int = 1) -> int | None:
        """Seconds until `weight` more would fit, or None if it fits now (nothing is recorded)."""
        now = self.clock()
        hits = self._live(key, now)
        used = sum(w for _, w in hits)
        if used + weight <= self.limit:
            return None
        # Free hits oldest first until the new weight fits; a weight above the limit never fits.
        if weight > self.limit:
            return math.ceil(self.window_s)
        excess = used + weight - self.limit
        for at, w in hits:
            excess -= w
            if excess <= 0:
                return max(1, math.ceil(at + self.window_s - now))
        return math.ceil(self.window_s)

    def record(self, key: str, *, weight: int = 1) -> None:
        now = self.clock()
        self._live(key, now).append((now, weight))

    def take(self, key: str, *, weight: int = 1) -> int | None:
        """Record the hit if it fits and return None; otherwise the seconds to wait (nothing recorded)."""
        wait = self.retry_after(key, weight=weight)
        if wait is None:
            self.record(key, weight=weight)
        return wait

    def set_clock(self, clock: MonotonicClock) -> None:
        self.clock = clock
