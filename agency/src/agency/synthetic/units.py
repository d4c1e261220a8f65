"""Unit submissions (one JSON-lines import row each) from the matching generator's units (§6.4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from agency.synthetic.names import STREETS
from landlords.occupancy import occupancy
from landlords.unit_rules import UnitChecker
from matching.generator import norm

_TENTH = Decimal("0.1")
_MAX_HOUSE_NUMBER = 200


def _cents(eur: Decimal) -> int:
    return int(eur * 100)


class UnitBuilder:
    """Adds what a landlord's submission needs to a generated unit, and keeps it lawful.

    The generator clips rents into the placeholder band in floating point; here the rent is
    clamped once more into the landlords service's own band table in integer cents, so every
    submission passes the H7 check exactly, and a landlord's maximum of occupants is kept
    between the sizes the surface is adequate for.
    """

    def __init__(self, *, checker: UnitChecker, rng: np.random.Generator, seed: int) -> None:
        self.checker = checker
        self.rng = rng
        self.seed = seed
        energy = checker.rules.policy.section("generator.landlords")["energy_class_share"]
        self.energy_classes = list(energy)
        self.energy_p = norm([float(v) for v in energy.values()])
        self.clamped = 0

    def _rent_cents(self, *, unit: dict[str, Any], rooms: int, surface_tenths: int) -> int:
        rent = _cents(unit["rent_eur"])
        band = self.checker.bands.band_for(comune=unit["comune"], zone=unit["zone"], rooms=rooms)
        if band is None:
            return rent
        # Band.contains: min * tenths <= rent * 10 <= max * tenths.
        low = -(-band.min_cents_m2 * surface_tenths // 10)
        high = band.max_cents_m2 * surface_tenths // 10
        clamped = min(max(rent, low), high)
        self.clamped += clamped != rent
        return clamped

    def _filters(self, unit: dict[str, Any], *, surface_tenths: int) -> dict[str, Any]:
        filters: dict[str, Any] = {
            "pets_allowed": unit["pets_allowed"],
            "smoking_allowed": unit["smoking_allowed"],
        }
        wanted = unit["max_occupants"]
        if wanted is None:
            return filters
        occ = occupancy(
            surface_tenths=surface_tenths,
            bedrooms=unit["bedrooms"],
            adequacy=self.checker.rules.adequacy,
        )
        if occ.capacity >= 1:
            floor = occ.smallest_adequate or 1
            filters["max_occupants"] = min(max(int(wanted), floor), occ.capacity)
        return filters

    def build(self, j: int, unit: dict[str, Any], *, contract_type: str) -> dict[str, Any]:
        rooms = int(unit["bedrooms"]) + 1
        surface = Decimal(unit["area_m2"]).quantize(_TENTH)
        surface_tenths = int(surface * 10)
        terms = (
            self.checker.rules.units.sas_contract_terms
            if contract_type == "sas"
            else self.checker.rules.tenancy.allowed_contract_terms
        )
        rent = self._rent_cents(unit=unit, rooms=rooms, surface_tenths=surface_tenths)
        street = STREETS[int(self.rng.integers(len(STREETS)))]
        number = int(self.rng.integers(1, _MAX_HOUSE_NUMBER))
        energy = str(self.rng.choice(self.energy_classes, p=self.energy_p))
        return {
            "unit_reference": f"SYN-{self.seed}-U{j:06d}",
            "address": f"{street} {number}",
            "comune": unit["comune"],
            "zone": unit["zone"],
            "surface_m2": str(surface),
            "rooms": rooms,
            "bedrooms": int(unit["bedrooms"]),
            "floor": int(unit["floor"]),
            "lift": bool(unit["lift"]),
            "step_free": bool(unit["step_free"]),
            "barrier_free": bool(unit["barrier_free"]),
            "energy_class": energy,
            "monthly_rent_eur": str(Decimal(rent).scaleb(-2)),
            "service_charges_eur": str(unit["charges_eur"]),
            "contract_type": contract_type,
            "contract_term": terms[0],
            "filters": self._filters(unit, surface_tenths=surface_tenths),
        }
