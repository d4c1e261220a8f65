"""Fixtures of the landlords domain tests: the packaged policy and a valid unit to vary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from landlords.rules_policy import LandlordsRules, default_rules
from landlords.unit_rules import UnitChecker
from shared.testing.payloads import unit_submission


@pytest.fixture(scope="session")
def rules() -> LandlordsRules:
    return default_rules()


@pytest.fixture(scope="session")
def checker(rules: LandlordsRules) -> UnitChecker:
    return UnitChecker.from_rules(rules)


UnitFactory = Callable[..., dict[str, Any]]


def _valid_unit(**overrides: Any) -> dict[str, Any]:
    """A concordato bilocale in Cremona semicentro, inside its placeholder band (4.13-6.21 EUR/m2)."""
    return {**unit_submission(0), "unit_reference": "A1", **overrides}


@pytest.fixture
def make_unit() -> UnitFactory:
    return _valid_unit
