"""Hard rules one by one, exclusion counts per reason code, the counterfactual, fit scores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from matching.feasibility import REASONS, feasibility
from matching.instance import build_instance
from matching.problem import Problem
from matching.scoring import pair_scores
from matching.solver import solve

Make = Callable[..., Problem]
Build = Callable[..., dict[str, Any]]


@pytest.mark.parametrize(
    ("household", "unit", "reason"),
    [
        ({}, {"comune": "Soresina"}, "COMUNE_NOT_ACCEPTABLE"),
        ({"size": 3}, {"area_m2": "45"}, "TOO_SMALL"),
        ({"size": 3}, {"area_m2": "78"}, "TOO_LARGE"),
        ({"size": 3}, {"area_m2": "62", "bedrooms": 0}, "TOO_SMALL"),  # studio for 3
        ({"needs_step_free": True}, {"step_free": False}, "NOT_STEP_FREE"),
        ({"needs_step_free": True}, {"step_free": None}, "NOT_STEP_FREE"),
        ({"wheelchair": True}, {"barrier_free": False}, "NOT_BARRIER_FREE"),
        ({"max_rent_eur": "360"}, {"rent_eur": "300", "charges_eur": "61"}, "UNAFFORDABLE"),
        ({}, {"band_ok": False}, "RENT_NOT_VERIFIED"),
        ({}, {"status": "needs_works"}, "UNIT_NEEDS_WORKS"),
        ({"size": 2}, {"max_occupants": 1}, "OCCUPANCY_LIMIT"),
        ({"pets": True}, {"pets_allowed": False}, "PETS"),
        ({"smoker": True}, {"smoking_allowed": False}, "SMOKING"),
        ({"latest_move_in": "2026-01-31"}, {"available_from": "2026-02-01"}, "MOVE_IN_DATE"),
        ({"refused_units": ["u"]}, {}, "REFUSED_BEFORE"),
        ({"eligible": False}, {}, "NOT_ELIGIBLE"),
    ],
)
def test_each_rule_excludes_with_its_code(
    make: Make, hh: Build, un: Build, household: dict[str, Any], unit: dict[str, Any], reason: str
) -> None:
    result = solve(make([hh("h", **household)], [un("u", **unit)]))
    (left,) = result.unmatched
    assert left.reason == "NO_FEASIBLE_UNIT"
    assert left.excluded_by[reason] == 1


@pytest.mark.parametrize(
    ("household", "unit"),
    [
        ({"max_rent_eur": "360"}, {"rent_eur": "300", "charges_eur": "60"}),  # exactly 30.0 %
        ({"size": 3}, {"area_m2": "62", "bedrooms": 2}),
        ({"size": 3}, {"area_m2": "74", "bedrooms": 3}),
        ({"size": 3}, {"area_m2": "76.8"}),  # 1.6 x 48 exactly: no float rounding
        ({"needs_step_free": True, "accepts_as_is": True}, {"status": "needs_works"}),
        ({"indigent": True, "max_rent_eur": "100"}, {"rent_eur": "80", "charges_eur": "20"}),
    ],
)
def test_boundaries_are_feasible(
    make: Make, hh: Build, un: Build, household: dict[str, Any], unit: dict[str, Any]
) -> None:
    result = solve(make([hh("h", **household)], [un("u", **unit)]))
    assert [a.unit_id for a in result.assignments] == ["u"]


def test_counts_per_reason_and_counterfactual(make: Make, hh: Build, un: Build) -> None:
    p = make(
        [hh("h", size=1, max_rent_eur="300", pets=True)],
        [
            un("far", comune="Soresina"),
            un("big", area_m2="60"),
            un("dear1", rent_eur="300", charges_eur="40.01"),  # 40.01 over: needs €41
            un("dear2", rent_eur="320", charges_eur="20"),  # 40.00 over
            un("dear3", rent_eur="400", charges_eur="50"),
            un("nopets", pets_allowed=False, rent_eur="200"),
        ],
    )
    (left,) = solve(p).unmatched
    assert left.excluded_by == {
        "COMUNE_NOT_ACCEPTABLE": 1,
        "TOO_LARGE": 1,
        "UNAFFORDABLE": 4,  # big is dear too: counts are per rule, not a partition
        "PETS": 1,
    }
    assert left.feasible_units == 0
    assert left.counterfactual == "with a ceiling €40 higher, 1 more unit would be feasible"


def test_counts_cover_every_reason_code(make: Make, hh: Build, un: Build) -> None:
    inst = build_instance(make([hh("h")], [un("u")]))
    assert feasibility(inst).excluded.shape == (1, len(REASONS))


def test_size_fit_penalises_extra_bedrooms(make: Make, hh: Build, un: Build) -> None:
    inst = build_instance(
        make(
            [hh("h", size=3)],
            [un("a", area_m2="62.4", bedrooms=2), un("b", area_m2="62.4", bedrooms=3)],
        )
    )
    feas = feasibility(inst)
    scores = pair_scores(inst, pair_h=feas.pair_h, pair_u=feas.pair_u)["size_fit"]
    by_unit = dict(zip(feas.pair_u.tolist(), scores.tolist(), strict=True))
    # ideal = (48 + 76.8) / 2 = 62.4 m2: a is perfect, b loses 25 for one extra bedroom
    assert by_unit == {0: 100, 1: 75}
