"""The synthetic generator: reproducible, calibrated to DOMAIN.md §6.7, solvable and valid."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from matching.generator import generate_problem, scale_sizes
from matching.problem import parse_problem
from matching.solver import solve
from matching.validate import violations
from shared.policy import load_policy


def test_scales_come_from_the_policy_and_the_solver_table() -> None:
    assert scale_sizes("unit_test") == (40, 8)
    assert scale_sizes("demo") == (450, 80)
    assert scale_sizes("bench_20k") == (20_000, 4_000)
    with pytest.raises(ValueError, match="unknown scale"):
        scale_sizes("huge")


def test_same_seed_same_problem() -> None:
    assert generate_problem(scale="unit_test", seed=9) == generate_problem(
        scale="unit_test", seed=9
    )
    assert generate_problem(scale="unit_test", seed=9) != generate_problem(
        scale="unit_test", seed=8
    )


def test_calibration_checks_of_domain_6_7() -> None:
    policy = load_policy()
    raw = generate_problem(scale="bench_x10", pool="sap")
    households = raw["households"]
    n = len(households)
    shares = policy.section("generator.households")["size_share"]
    sizes = Counter(min(h["size"], 6) for h in households)
    for size, share in shares.items():
        assert abs(sizes[int(size)] / n - float(share)) <= 0.03
    cremona = sum(h["residence_comune"] == "Cremona" for h in households) / n
    assert abs(cremona - 0.55) <= 0.04
    indigent = sum(h["indigent"] for h in households) / n
    assert abs(indigent - 0.20) <= 0.03
    names = policy.comune_names()
    assert all(u["comune"] in names for u in raw["units"])
    assert all(c in names for h in households for c in h["acceptable_comuni"])


@pytest.mark.parametrize("pool", ["agency", "sap"])
def test_generated_problems_solve_to_valid_results(pool: str) -> None:
    overrides = {"indigent_rent_support_eur": 250, "police_reserve_share": "0.05"}
    raw = generate_problem(scale="demo", pool=pool, police_share=0.03, overrides=overrides)
    problem = parse_problem(json.loads(json.dumps(raw, default=float), parse_float=Decimal))
    result = solve(problem)
    assert violations(problem, result) == []
    assert len(result.assignments) + len(result.unmatched) == len(raw["households"])
