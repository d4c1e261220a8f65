"""The validator on hand-made results: quota-forced envy passes, every other defect is named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matching.problem import Assignment, Problem, Result, Unmatched
from matching.solver import solve
from matching.validate import violations

Make = Callable[..., Problem]
Build = Callable[..., dict[str, Any]]


def _with(result: Result, matched: dict[str, str], everyone: list[str]) -> Result:
    return result.model_copy(
        update={
            "assignments": [
                Assignment(household_id=h, unit_id=u, priority_weight=0, fit=0)
                for h, u in matched.items()
            ],
            "unmatched": [
                Unmatched(
                    household_id=h,
                    reason="OUTRANKED",
                    feasible_units=0,
                    excluded_by={},
                    detail="",
                )
                for h in everyone
                if h not in matched
            ],
        }
    )


def _quota_problem(make: Make, hh: Build, un: Build) -> Problem:
    households = [hh(f"h{i}", priority=100 - 10 * i, indigent=(i == 6)) for i in range(1, 7)]
    return make(households, [un(f"U{i}") for i in range(1, 6)], indigent_quota_share="0.2")


def test_quota_forced_envy_is_accepted(make: Make, hh: Build, un: Build) -> None:
    p = _quota_problem(make, hh, un)
    assert violations(p, solve(p)) == []


def test_missing_floor_is_named(make: Make, hh: Build, un: Build) -> None:
    p = _quota_problem(make, hh, un)
    everyone = [f"h{i}" for i in range(1, 7)]
    bad = _with(solve(p), {f"h{i}": f"U{i}" for i in range(1, 6)}, everyone)
    assert any("indigent floor 1 not met" in v for v in violations(p, bad))


def test_unforced_envy_is_named(make: Make, hh: Build, un: Build) -> None:
    p = _quota_problem(make, hh, un)
    everyone = [f"h{i}" for i in range(1, 7)]
    # h4 (priority 60) left out while h5 (50) is housed: no floor asks for h5
    matched = {"h1": "U1", "h2": "U2", "h3": "U3", "h5": "U4", "h6": "U5"}
    assert any("could replace h5" in v for v in violations(p, _with(solve(p), matched, everyone)))


def test_structural_defects_are_named(make: Make, hh: Build, un: Build) -> None:
    p = make([hh("a"), hh("b", max_rent_eur="10")], [un("u"), un("v")])
    result = solve(p)
    assert any("infeasible pair b->v" in v for v in violations(p, _with(result, {"b": "v"}, [])))
    housed = _with(result, {"a": "u"}, ["a", "b"])
    twice = housed.model_copy(update={"unmatched": [*housed.unmatched, housed.unmatched[0]]})
    assert any("listed twice" in v for v in violations(p, twice))
    assert any(
        "neither assigned nor unmatched" in v
        for v in violations(p, result.model_copy(update={"unmatched": []}))
    )
