"""Fixtures of the landlords domain tests: the packaged policy and a valid unit to vary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from landlords.rules_policy import LandlordsRules, default_rules
from landlords.unit_rules import UnitChecker


@pytest.fixture(scope="session")
def rules() -> LandlordsRules:
    return default_rules()


@pytest.fixture(scope="session")
def checker(rules: LandlordsRules) -> UnitChecker:
    return UnitChecker.from_rules(rules)


UnitFactory = Callable[..., dict[str, Any]]


def _valid_unit(**overrides: Any) -> dict[str, Any]:
    """A concordato bilocale in Cremona semicentro, inside its placeholder band (4.13-6.21 EUR/m2)."""
    unit: dict[str, Any] = {
        "unit_reference": "A1",
        "address": "Via Solferino 12",
        "comune": "Cremona",
        "zone": "semicentro",
        "surface_m2": "55",
        "rooms": 2,
        "bedrooms": 1,
        "energy_class": "C",
        "monthly_rent_eur": "280.00",
        "service_charges_eur": "60.00",
        "contract_type": "concordato",
        "contract_term": "3+2",
        "filters": {"max_occupants": 3, "pets_allowed": True},
    }
    unit.update(overrides)
    return unit


@pytest.fixture
def make_unit() -> UnitFactory:
    return _valid_unit
