"""Builders for small hand-checkable matching problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from matching.problem import Problem, parse_problem

Builder = Callable[..., dict[str, Any]]


def household(id: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "size": 1,
        "priority": 50,
        "max_rent_eur": "1000",
        "indigent": False,
        "needs_step_free": False,
        "acceptable_comuni": ["Cremona"],
        "pets": False,
        "smoker": False,
    }
    return base | over


def unit(id: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "comune": "Cremona",
        "area_m2": "40",
        "rent_eur": "300",
        "charges_eur": "50",
        "step_free": True,
        "max_occupants": None,
        "pets_allowed": True,
        "smoking_allowed": True,
    }
    return base | over


def problem(
    households: list[dict[str, Any]],
    units: list[dict[str, Any]],
    *,
    seed: int | str = 1,
    **policy: Any,
) -> Problem:
    return parse_problem(
        {
            "seed": seed,
            "policy": {"indigent_quota_share": 0} | policy,
            "households": households,
            "units": units,
        }
    )


@pytest.fixture
def hh() -> Builder:
    return household


@pytest.fixture
def un() -> Builder:
    return unit


@pytest.fixture
def make() -> Callable[..., Problem]:
    return problem
