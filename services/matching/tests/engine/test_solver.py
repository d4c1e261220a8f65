"""Known optima from DOMAIN.md §4.11, lottery ties, quotas at their rounding boundaries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching.feasibility import feasibility
from matching.instance import build_instance
from matching.lottery import lottery_order
from matching.problem import Problem, Result
from matching.quotas import compute_floors
from matching.solver import SolverConfig, solve, solve_instance
from matching.validate import ensure_valid

Make = Callable[..., Problem]
Build = Callable[..., dict[str, Any]]


def pairs(result: Result) -> dict[str, str]:
    return {a.household_id: a.unit_id for a in result.assignments}


def reasons(result: Result) -> dict[str, str]:
    return {m.household_id: m.reason for m in result.unmatched}


def test_stage1_is_not_greedy_by_fit(make: Make, hh: Build, un: Build) -> None:
    p = make(
        [
            hh("h1", priority=80, size=2, max_rent_eur="420"),
            hh("h2", priority=70, size=1, max_rent_eur="340"),
        ],
        [
            un("U1", area_m2="50", rent_eur="350", charges_eur="50"),
            un("U2", area_m2="40", rent_eur="300", charges_eur="30"),
        ],
    )
    result = solve(p)
    assert pairs(result) == {"h1": "U1", "h2": "U2"}
    ensure_valid(p, result)


def test_indigent_floor_displaces_the_lowest(make: Make, hh: Build, un: Build) -> None:
    households = [hh(f"h{i}", priority=100 - 10 * i, indigent=(i == 6)) for i in range(1, 7)]
    units = [un(f"U{i}") for i in range(1, 6)]
    without = solve(make(households, units))
    assert sorted(pairs(without)) == ["h1", "h2", "h3", "h4", "h5"]
    p = make(households, units, indigent_quota_share="0.2")
    result = solve(p)
    assert sorted(pairs(result)) == ["h1", "h2", "h3", "h4", "h6"]
    assert reasons(result) == {"h5": "QUOTA"}
    assert "indigent floor 1 of 5" in result.unmatched[0].detail
    assert result.stats["quotas"]["indigent"]["achieved"] == 1
    assert result.stats["fairness"]["justified_envy"] == 1
    ensure_valid(p, result)


@pytest.mark.parametrize(
    ("units", "share", "target"), [(5, "0.2", 1), (10, "0.2", 2), (15, "0.2", 3), (30, "0.1", 3)]
)
def test_quota_targets_round_up_exactly(
    make: Make, hh: Build, un: Build, units: int, share: str, target: int
) -> None:
    households = [hh(f"h{i:02}", indigent=True) for i in range(40)]
    p = make(households, [un(f"u{i:02}") for i in range(units)], indigent_quota_share=share)
    inst = build_instance(p)
    (floor,) = compute_floors(inst, feasibility(inst))
    assert (floor.target, floor.achievable, floor.floor) == (target, units, target)


def test_floor_is_capped_by_what_is_achievable(make: Make, hh: Build, un: Build) -> None:
    households = [
        hh("rich", priority=90),
        hh("poor", priority=10, indigent=True, max_rent_eur="100"),
    ]
    p = make(households, [un("u1"), un("u2")], indigent_quota_share="0.5")
    result = solve(p)
    assert pairs(result) == {"rich": "u1"}
    quota = result.stats["quotas"]["indigent"]
    assert (quota["target"], quota["achievable"], quota["floor"], quota["shortfall"]) == (
        1,
        0,
        0,
        1,
    )
    assert reasons(result) == {"poor": "NO_FEASIBLE_UNIT"}
    ensure_valid(p, result)


def test_lottery_decides_ties(make: Make, hh: Build, un: Build) -> None:
    ids = ["a", "b", "c", "d"]
    for seed in (1, 2, "round-7"):
        p = make([hh(i, priority=60) for i in ids], [un("u1")], seed=seed)
        result = solve(p)
        winner = lottery_order(seed=seed, household_ids=ids)[0]
        assert pairs(result) == {winner: "u1"}
        assert set(reasons(result).values()) == {"LOST_TIE_LOTTERY"}


def test_higher_priority_outranks(make: Make, hh: Build, un: Build) -> None:
    p = make([hh("top", priority=99), hh("low", priority=1)], [un("u1")])
    result = solve(p)
    assert pairs(result) == {"top": "u1"}
    assert reasons(result) == {"low": "OUTRANKED"}


def test_same_input_same_result(make: Make, hh: Build, un: Build) -> None:
    rng = np.random.default_rng(5)
    households = [
        hh(f"h{i}", priority=int(rng.integers(0, 4)), max_rent_eur=str(rng.integers(300, 500)))
        for i in range(30)
    ]
    units = [un(f"u{i}", rent_eur=str(rng.integers(250, 450))) for i in range(12)]
    first = solve(make(households, units), config=SolverConfig(workers=1))
    again = solve(make(list(reversed(households)), units), config=SolverConfig(workers=1))
    assert first.assignments == again.assignments
    assert first.unmatched == again.unmatched


def test_stage2_maximises_total_fit(make: Make, hh: Build, un: Build) -> None:
    rng = np.random.default_rng(11)
    households = [
        hh(
            f"h{i}",
            priority=5,
            size=int(rng.integers(1, 3)),
            max_rent_eur=str(rng.integers(350, 600)),
        )
        for i in range(8)
    ]
    units = [
        un(f"u{i}", area_m2=str(rng.integers(30, 60)), rent_eur=str(rng.integers(250, 500)))
        for i in range(10)
    ]
    p = make(households, units)
    inst = build_instance(p)
    sol = solve_instance(inst, config=SolverConfig())
    matched = np.nonzero(sol.unit_of >= 0)[0]
    cost = np.full((inst.n_households, inst.n_units), 10**9, dtype=np.int64)
    cost[sol.feas.pair_h, sol.feas.pair_u] = -sol.fit
    rows, cols = linear_sum_assignment(cost[matched])
    assert (cost[matched][rows, cols] < 10**9).all()
    best = -int(cost[matched][rows, cols].sum())
    got = int(
        sum(
            sol.fit[(sol.feas.pair_h == h) & (sol.feas.pair_u == sol.unit_of[h])][0]
            for h in matched
        )
    )
    assert got == best


def test_empty_sides(make: Make, hh: Build, un: Build) -> None:
    assert solve(make([hh("a")], [])).unmatched[0].reason == "NO_FEASIBLE_UNIT"
    assert solve(make([], [un("u")])).assignments == []
