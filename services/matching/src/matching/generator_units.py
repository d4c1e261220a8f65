"""Synthetic units for the matching generator: location, type, surface, access, concordato rent."""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.generator import Territory, money, norm
from shared.policy import Policy


def generate_units(
    rng: np.random.Generator, policy: Policy, terr: Territory, n: int
) -> list[dict[str, Any]]:
    """Units per DOMAIN.md §6.4: every one passes the (placeholder) band check."""
    cfg = policy.section("generator.units")
    rents = policy.section("generator.rents")
    where = terr.draw(rng, n, float(policy.value("generator.territory.agency_unit_cremona_share")))
    city = where == terr.capofila
    types = list(cfg["type_share"])
    kind = rng.choice(len(types), size=n, p=norm([float(cfg["type_share"][t]) for t in types]))
    lo = np.array([float(cfg["surface_m2"][t][0]) for t in types])[kind]
    hi = np.array([float(cfg["surface_m2"][t][1]) for t in types])[kind]
    area_tenths = np.floor(rng.uniform(lo, hi) * 10).astype(np.int64)
    bedrooms = np.array([int(cfg["bedrooms"][t]) for t in types])[kind]
    floors_city = [int(x) for x in cfg["floors_cremona"]]
    floors_other = [int(x) for x in cfg["floors_other"]]
    floor = np.where(
        city,
        rng.integers(floors_city[0], floors_city[1] + 1, n),
        rng.integers(floors_other[0], floors_other[1] + 1, n),
    )
    lift = rng.random(n) < np.where(
        city, float(cfg["lift_share_cremona"]), float(cfg["lift_share_other"])
    )
    barrier_free = rng.random(n) < float(cfg["barrier_free_share"])
    step_free = (floor == 0) | lift | barrier_free
    no_transit = ~city & (rng.random(n) < float(cfg["no_transit_share_other"]))
    zones = policy.section("generator.territory.cremona_zones")
    zone_names = list(zones)
    zone_share = norm([float(zones[z]["share"]) for z in zone_names])
    zone_mult = np.array([float(zones[z]["rent_multiplier"]) for z in zone_names])
    zone_mult = zone_mult / float(np.dot(zone_share, zone_mult))  # the city mean is unchanged
    zone = rng.choice(len(zone_names), size=n, p=zone_share)
    eur_m2 = np.array([float(rents["eur_m2_cremona"][t]) for t in types])[kind]
    mean = eur_m2 * np.where(city, zone_mult[zone], float(rents["other_comuni_factor"]))
    mean = mean * float(rents["rent_index"])
    per_m2 = rng.normal(mean, mean * float(rents["eur_m2_sd_share"]))
    band = [float(x) for x in rents["placeholder_band_share"]]
    discount = [float(x) for x in rents["concordato_discount_range"]]
    per_m2 = np.clip(
        per_m2 * rng.uniform(discount[0], discount[1], n), band[0] * mean, band[1] * mean
    )
    rent_cents = np.floor(per_m2 * area_tenths / 10 * 100).astype(np.int64)
    charges = [int(x) for x in rents["charges_eur_range"]]
    charges_cents = rng.integers(charges[0], charges[1] + 1, n) * 100
    vacancy = [int(x) for x in cfg["vacancy_days_range"]]
    days = rng.integers(vacancy[0], vacancy[1] + 1, n)
    occupants = np.where(
        rng.random(n) < float(cfg["max_occupants_set_share"]), np.maximum(1, bedrooms * 2), 0
    )
    pets = rng.random(n) < float(cfg["pets_allowed_share"])
    smoking = rng.random(n) < float(cfg["smoking_allowed_share"])
    rent_money, charge_money = money(rent_cents), money(charges_cents)
    return [
        {
            "id": f"unit-{j:06d}",
            "comune": terr.names[int(where[j])],
            "zone": zone_names[int(zone[j])] if city[j] else None,
            "area_m2": money(area_tenths[j : j + 1] * 10)[0],
            "rent_eur": rent_money[j],
            "charges_eur": charge_money[j],
            "step_free": bool(step_free[j]),
            "barrier_free": bool(barrier_free[j]),
            "max_occupants": int(occupants[j]) if occupants[j] else None,
            "pets_allowed": bool(pets[j]),
            "smoking_allowed": bool(smoking[j]),
            "bedrooms": int(bedrooms[j]),
            "floor": int(floor[j]),
            "lift": bool(lift[j]),
            "no_transit": bool(no_transit[j]),
            "days_vacant": int(days[j]),
        }
        for j in range(n)
    ]
