"""Property tests: the validator accepts every result and rejects corrupted ones; stage 1 is
lexicographically optimal against brute force on small random instances."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine_policy import resolve_policy
from matching.feasibility import feasibility
from matching.instance import build_instance
from matching.lottery import lottery_ticket
from matching.problem import Assignment, Problem, Result, Unmatched, parse_problem
from matching.solver import solve, stage1
from matching.validate import all_pairs, violations

COMUNI = ["Cremona", "Soresina", "Casalbuttano ed Uniti"]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n_h = draw(st.integers(1, 7))
    n_u = draw(st.integers(1, 5))
    households = [
        {
            "id": f"h{i}",
            "size": draw(st.integers(1, 3)),
            "priority": draw(st.integers(0, 2)),
            "max_rent_eur": str(draw(st.integers(300, 420))),
            "indigent": draw(st.booleans()),
            "needs_step_free": draw(st.booleans()),
            "acceptable_comuni": draw(st.lists(st.sampled_from(COMUNI), min_size=1, max_size=2)),
            "pets": draw(st.booleans()),
            "smoker": False,
            "reserve_category": draw(st.sampled_from([None, None, "police"])),
            "refused_units": draw(
                st.lists(st.sampled_from([f"u{j}" for j in range(n_u)]), max_size=1)
            ),
            "latest_move_in": draw(st.sampled_from([None, None, "2026-03-01"])),
        }
        for i in range(n_h)
    ]
    units = [
        {
            "id": f"u{j}",
            "comune": draw(st.sampled_from(COMUNI)),
            "area_m2": str(draw(st.integers(28, 60))),
            "rent_eur": str(draw(st.integers(250, 380))),
            "charges_eur": "30.50",
            "step_free": draw(st.sampled_from([True, False, None])),
            "max_occupants": draw(st.sampled_from([None, 2])),
            "pets_allowed": draw(st.booleans()),
            "smoking_allowed": True,
            "available_from": draw(st.sampled_from([None, "2026-02-01", "2026-04-01"])),
        }
        for j in range(n_u)
    ]
    policy: dict[str, Any] = {
        "indigent_quota_share": draw(st.sampled_from(["0", "0.2", "0.5"])),
        "police_reserve_share": draw(st.sampled_from(["0", "0", "0.3"])),
        "police_reserve_rounding": "ceil",
    }
    return parse_problem(
        {
            "seed": draw(st.integers(0, 99)),
            "policy": policy,
            "households": households,
            "units": units,
        }
    )


def _brute_force_best(problem: Problem) -> tuple[set[str], bool]:
    """The lexicographic optimum by enumeration: level counts from the top, then lottery."""
    pol = resolve_policy(problem.policy)
    hs = sorted(problem.households, key=lambda h: h.id)
    ph, pu = all_pairs(problem, pol)
    adj: dict[int, set[int]] = {i: set() for i in range(len(hs))}
    for h, u in zip(ph.tolist(), pu.tolist(), strict=True):
        adj[h].add(u)

    def matchable(group: tuple[int, ...]) -> bool:
        units = sorted({u for h in group for u in adj[h]})
        return (
            any(
                all(u in adj[h] for h, u in zip(group, perm, strict=False))
                for perm in itertools.permutations(units, len(group))
            )
            if len(units) >= len(group)
            else False
        )

    sets = [
        s
        for k in range(len(hs) + 1)
        for s in itertools.combinations(range(len(hs)), k)
        if matchable(s)
    ]
    n_units = len(problem.units)
    floors = []
    for members, bp, ceil in (
        ({i for i, h in enumerate(hs) if h.indigent}, pol.indigent_quota_share_bp, True),
        (
            {i for i, h in enumerate(hs) if h.reserve_category == "police"},
            pol.police_reserve_share_bp,
            pol.police_reserve_rounding == "ceil",
        ),
    ):
        if bp:
            target = (n_units * bp + 9999) // 10000 if ceil else n_units * bp // 10000
            best = max(len(members & set(s)) for s in sets)
            floors.append((members, min(target, best)))
    ok = [s for s in sets if all(len(m & set(s)) >= q for m, q in floors)]
    levels = sorted({h.priority for h in hs}, reverse=True)
    order = sorted(
        range(len(hs)),
        key=lambda i: (-hs[i].priority, lottery_ticket(seed=problem.seed, household_id=hs[i].id)),
    )

    def key(s: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        counts = tuple(sum(1 for i in s if hs[i].priority == lv) for lv in levels)
        return counts, tuple(1 if i in s else 0 for i in order)

    if not ok:
        return set(), False
    binding = sum(1 for _, q in floors if q > 0)
    return {hs[i].id for i in max(ok, key=key)}, binding <= 1


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(problems())
def test_engine_feasibility_matches_brute_force(problem: Problem) -> None:
    inst = build_instance(problem)
    feas = feasibility(inst)
    ph, pu = all_pairs(problem, inst.policy)
    assert sorted(zip(feas.pair_h.tolist(), feas.pair_u.tolist(), strict=True)) == sorted(
        zip(ph.tolist(), pu.tolist(), strict=True)
    )


@FAST
@given(problems())
def test_validator_accepts_results_and_stage1_is_lexicographic(problem: Problem) -> None:
    result = solve(problem)
    assert violations(problem, result) == []
    best, _ = _brute_force_best(problem)
    if result.status == "optimal":
        assert {a.household_id for a in result.assignments} == best


def _corruptions(result: Result, problem: Problem) -> list[Result]:
    out: list[Result] = []
    a, m = list(result.assignments), list(result.unmatched)
    if a:
        # drop a matched household into the unmatched list: its unit could take it back
        gone = a[0]
        out.append(
            result.model_copy(
                update={
                    "assignments": a[1:],
                    "unmatched": [
                        *m,
                        Unmatched(
                            household_id=gone.household_id,
                            reason="OUTRANKED",
                            feasible_units=1,
                            excluded_by={},
                            detail="",
                        ),
                    ],
                }
            )
        )
        out.append(
            result.model_copy(
                update={"unmatched": [*m, m[0]] if m else m, "assignments": [*a, a[0]]}
            )
        )
    if m:
        out.append(result.model_copy(update={"unmatched": m[1:]}))
        # give an unmatched household a unit it cannot take, or one already taken
        units = [u.id for u in problem.units]
        out.append(
            result.model_copy(
                update={
                    "assignments": [
                        *a,
                        Assignment(
                            household_id=m[0].household_id,
                            unit_id=units[0],
                            priority_weight=0,
                            fit=0,
                        ),
                    ],
                    "unmatched": m[1:],
                }
            )
        )
    return out


@FAST
@given(problems())
def test_compressed_stage1_equals_explicit_pairs(problem: Problem) -> None:
    inst = build_instance(problem)
    feas = feasibility(inst)
    assert np.array_equal(stage1(inst, feas), stage1(inst, feas, complete=False))


@FAST
@given(problems())
def test_validator_rejects_corrupted_results(problem: Problem) -> None:
    result = solve(problem)
    for bad in _corruptions(result, problem):
        assert violations(problem, bad) != []


def test_reproducible_from_the_seed() -> None:
    rng = np.random.default_rng(3)
    raw = {
        "seed": "published-seed",
        "households": [
            {
                "id": f"h{i}",
                "size": 1,
                "priority": int(rng.integers(0, 2)),
                "max_rent_eur": "500",
                "indigent": False,
                "needs_step_free": False,
                "acceptable_comuni": ["Cremona"],
                "pets": False,
                "smoker": False,
            }
            for i in range(20)
        ],
        "units": [
            {
                "id": f"u{j}",
                "comune": "Cremona",
                "area_m2": "40",
                "rent_eur": "300",
                "charges_eur": "40",
                "step_free": True,
                "max_occupants": None,
                "pets_allowed": True,
                "smoking_allowed": True,
            }
            for j in range(6)
        ],
    }
    runs = [solve(parse_problem(raw)).model_dump(exclude={"stats"}) for _ in range(2)]
    assert runs[0] == runs[1]
