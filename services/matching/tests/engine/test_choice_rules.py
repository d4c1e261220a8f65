"""Stage 2 rules: serial_choice is a serial dictatorship over the stage-1 set; candidate caps."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.instance import build_instance
from matching.problem import Problem, parse_problem
from matching.solver import SolverConfig, solve, solve_instance
from matching.validate import violations

Make = Callable[..., Problem]
Build = Callable[..., dict[str, Any]]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    households = [
        {
            "id": f"h{i}",
            "size": draw(st.integers(1, 2)),
            "priority": draw(st.integers(0, 2)),
            "max_rent_eur": str(draw(st.integers(330, 450))),
            "indigent": False,
            "needs_step_free": False,
            "acceptable_comuni": ["Cremona"],
            "pets": False,
            "smoker": False,
            "residence_comune": "Cremona",
        }
        for i in range(draw(st.integers(1, 5)))
    ]
    units = [
        {
            "id": f"u{j}",
            "comune": "Cremona",
            "area_m2": str(draw(st.integers(30, 60))),
            "rent_eur": str(draw(st.integers(250, 400))),
            "charges_eur": "30",
            "step_free": True,
            "max_occupants": None,
            "pets_allowed": True,
            "smoking_allowed": True,
            "days_vacant": draw(st.integers(0, 200)),
        }
        for j in range(draw(st.integers(1, 5)))
    ]
    policy = {"indigent_quota_share": 0, "choice_rule": "serial_choice"}
    return parse_problem({"seed": 4, "policy": policy, "households": households, "units": units})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_serial_choice_is_lexicographic_in_priority_order(problem: Problem) -> None:
    inst = build_instance(problem)
    sol = solve_instance(inst, config=SolverConfig())
    assert violations(problem, solve(problem)) == []
    feas, fit = sol.feas, sol.fit
    matched = sorted(
        (h for h in range(inst.n_households) if sol.unit_of[h] >= 0),
        key=lambda h: int(inst.position[h]),
    )
    score = {
        (h, u): f
        for h, u, f in zip(feas.pair_h.tolist(), feas.pair_u.tolist(), fit.tolist(), strict=True)
    }
    best: tuple[int, ...] | None = None
    for units in itertools.permutations(range(inst.n_units), len(matched)):
        if all((h, u) in score for h, u in zip(matched, units, strict=True)):
            vector = tuple(score[h, u] for h, u in zip(matched, units, strict=True))
            best = vector if best is None or vector > best else best
    got = tuple(score[h, int(sol.unit_of[h])] for h in matched)
    assert got == best


def test_candidate_cap_keeps_best_fit_units(make: Make, hh: Build, un: Build) -> None:
    households = [hh("a", residence_comune="Cremona"), hh("b", residence_comune="Cremona")]
    units = [un("near", days_vacant=180), un("other", days_vacant=0)]
    capped = solve(make(households, units, max_candidates_per_household=1))
    assert capped.status == "not_proven_optimal"
    assert len(capped.assignments) == 1  # both want "near"; with one candidate each, one waits
    exact = solve(make(households, units))
    assert exact.status == "optimal"
    assert len(exact.assignments) == 2
