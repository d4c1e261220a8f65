"""Exponential backoff with full jitter (RELIABILITY.md R11)."""

from __future__ import annotations

import random


def full_jitter(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """A delay in [0, min(cap, base * 2**attempt)]."""
    ceiling = min(cap, base * (2 ** max(0, attempt)))
    return (rng or random).uniform(0, ceiling)


def nak_delay(
    num_delivered: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """min(cap, base * 2**(n-1)) ± 20 %, for redelivery of a message whose handler failed."""
    delay = min(cap, base * (2 ** max(0, num_delivered - 1)))
    return float(delay * (rng or random).uniform(0.8, 1.2))
