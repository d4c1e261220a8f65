"""Household sizes a unit can take, from its surface: H3 minimum and agency H4 maximum (DOMAIN 4.3)."""

from __future__ import annotations

from dataclasses import dataclass

from landlords.rules_policy import AdequacyPolicy


def min_area_m2(*, size: int, adequacy: AdequacyPolicy) -> int:
    """H3 minimum: max(assignment table, habitability) for a household of `size` (DOMAIN 4.3)."""
    table = adequacy.min_area_m2_by_size
    first = min(size, 4)
    habitability = (
        adequacy.habitability_m2_first_four * first
        + adequacy.habitability_m2_each_further * max(size - 4, 0)
    )
    return max(table[min(size, len(table)) - 1], habitability)


@dataclass(frozen=True)
class Occupancy:
    """Household sizes the unit can take: H3 up to `capacity`, H4 (agency) from `smallest_adequate`."""

    capacity: int
    smallest_adequate: int | None


def occupancy(*, surface_tenths: int, bedrooms: int, adequacy: AdequacyPolicy) -> Occupancy:
    capacity = 0
    # min_area grows strictly with size, so the first size that does not fit ends the scan.
    while surface_tenths >= min_area_m2(size=capacity + 1, adequacy=adequacy) * 10:
        capacity += 1
        if bedrooms == 0 and capacity >= adequacy.studio_max_household_size:
            break
    smallest = next(
        (
            n
            for n in range(1, capacity + 1)
            if surface_tenths * 10000
            <= min_area_m2(size=n, adequacy=adequacy) * 10 * adequacy.under_occupation_bp
        ),
        None,
    )
    return Occupancy(capacity=capacity, smallest_adequate=smallest)
