"""The seeded tie-break lottery and the stage-1 total order (priority, then lottery)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt


def lottery_ticket(*, seed: int | str, household_id: str) -> str:
    """SHA-256(seed ‖ ":" ‖ id) in hex: anyone with the revealed seed can recompute it."""
    return hashlib.sha256(f"{seed}:{household_id}".encode()).hexdigest()


def lottery_order(*, seed: int | str, household_ids: Sequence[str]) -> list[str]:
    """Ids in ascending ticket order: the order in which a level's ties are won."""
    return sorted(household_ids, key=lambda h: lottery_ticket(seed=seed, household_id=h))


def dense_rank(priorities: Sequence[Decimal]) -> npt.NDArray[np.int64]:
    """The lowest distinct priority gets 1, the next 2, ...; equal priorities share a rank."""
    levels = sorted(set(priorities))
    rank = {p: i + 1 for i, p in enumerate(levels)}
    return np.array([rank[p] for p in priorities], dtype=np.int64)


def order_position(
    *, seed: int | str, household_ids: Sequence[str], priorities: Sequence[Decimal]
) -> npt.NDArray[np.int64]:
    """Position of each household in the total order: 0 = highest priority, lottery first."""
    levels = dense_rank(priorities)
    tickets = [lottery_ticket(seed=seed, household_id=h) for h in household_ids]
    ranked = sorted(range(len(household_ids)), key=lambda i: (-int(levels[i]), tickets[i]))
    position = np.empty(len(household_ids), dtype=np.int64)
    position[np.array(ranked, dtype=np.int64)] = np.arange(len(ranked), dtype=np.int64)
    return position
