"""The matching engine: feasibility, stage 1 (priority, quotas, lottery), stage 2 (fit)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from matching.chains import priority_set
from matching.explain import build_result
from matching.feasibility import Feasibility, feasibility
from matching.flows import max_weight_assignment
from matching.instance import I64, Instance, build_instance
from matching.lexicographic import lexicographic_floors
from matching.problem import Problem, Result
from matching.quotas import Floor, compute_floors, enforce_floors, polish
from matching.scoring import pair_fit
from matching.serial import serial_choice

# Seconds the exact CP-SAT fallback may take when several floors bind, so that a round of the
# agency's size still answers in seconds (the result is then flagged not_proven_optimal).
FALLBACK_BUDGET_S = 3.0


@dataclass(frozen=True)
class SolverConfig:
    """The only way to pass solver parameters; None takes the policy's value or the problem's.

    `time_limit_s` bounds the floor exchanges (the flows always finish, exactly). `workers` is
    recorded for callers: every stage runs single-threaded, so results are reproducible.
    """

    time_limit_s: float | None = None
    workers: int = 1
    seed: int | str | None = None
    explain: bool = True


@dataclass
class Solution:
    """Everything a result, its explanations and its validation are built from."""

    inst: Instance
    feas: Feasibility
    fit: I64  # per feasible pair
    unit_of: I64  # per household, -1 when unmatched
    floors: list[Floor]
    optimal: bool
    timings: dict[str, float] = field(default_factory=dict)
    swaps: int = 0


def stage1(inst: Instance, feas: Feasibility, *, complete: bool = True) -> npt.NDArray[np.bool_]:
    """Lexicographically best matched set without quotas, lottery within a level.

    Weights strictly decreasing along the total order (priority, then lottery) make the
    maximum-weight matching the greedy optimum of the transversal matroid: the level counts are
    lexicographically best and, among those sets, the lottery-first one. Max flow first, so the
    matching also houses the most households possible. `complete` says the pairs are every
    feasible pair, so the compressed graph may rebuild them from the rules.
    """
    weight = (inst.n_households - inst.position).astype(np.int64)
    return priority_set(inst, feas, weight, compress=complete)


def keep_best_fit(inst: Instance, feas: Feasibility, k: int) -> Feasibility:
    """The K best-fit feasible units per household (`max_candidates_per_household`)."""
    fit = pair_fit(inst, pair_h=feas.pair_h, pair_u=feas.pair_u)
    order = np.lexsort((feas.pair_u, -fit, feas.pair_h))
    ph = feas.pair_h[order]
    first = np.searchsorted(ph, ph)  # index of each household's first pair
    keep = order[np.arange(ph.size) - first < k]
    return replace(feas, pair_h=feas.pair_h[keep], pair_u=feas.pair_u[keep])


def some_matching(inst: Instance, feas: Feasibility, matched: npt.NDArray[np.bool_]) -> I64:
    """A matching that covers exactly the households in `matched`."""
    return max_weight_assignment(
        n_households=inst.n_households,
        n_units=inst.n_units,
        pair_h=feas.pair_h,
        pair_u=feas.pair_u,
        required=matched,
    )


def stage2(inst: Instance, feas: Feasibility, fit: I64, matched: np.ndarray) -> I64:
    """Maximum total fit with every stage-1 household matched (choice_rule max_fit)."""
    if not matched.any():
        return np.full(inst.n_households, -1, dtype=np.int64)
    return max_weight_assignment(
        n_households=inst.n_households,
        n_units=inst.n_units,
        pair_h=feas.pair_h,
        pair_u=feas.pair_u,
        pair_weight=fit,
        required=matched,
    )


def solve_instance(inst: Instance, *, config: SolverConfig) -> Solution:
    """Both stages on canonical arrays; the result is checked by `validate` before use."""
    limit = config.time_limit_s
    limit = float(inst.policy.solver_time_limit_s) if limit is None else limit
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    feas = feasibility(inst)
    capped = inst.policy.max_candidates_per_household > 0
    if capped:
        feas = keep_best_fit(inst, feas, inst.policy.max_candidates_per_household)
    timings["feasibility_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    matched = stage1(inst, feas, complete=not capped)
    floors = compute_floors(inst, feas)
    optimal, swaps = True, 0
    if any(int((fl.members & matched).sum()) < fl.floor for fl in floors):
        # Any matching of the set will do as the exchanges' starting point.
        unit_of = some_matching(inst, feas, matched)
        unit_of, optimal, swaps = enforce_floors(
            inst, feas, unit_of, floors, deadline=time.monotonic() + limit
        )
        if not optimal:
            budget = min(limit, FALLBACK_BUDGET_S)
            exact = lexicographic_floors(inst, feas, floors, deadline=time.monotonic() + budget)
            if exact is not None:
                unit_of, optimal = exact, True
            else:
                unit_of = polish(inst, feas, unit_of, floors, deadline=time.monotonic() + limit)
        matched = unit_of >= 0
    timings["stage1_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    # Fit only matters for the stage-1 households' pairs.
    fit = np.full(feas.n_pairs, -1, dtype=np.int64)
    rows = np.nonzero(matched[feas.pair_h])[0]
    fit[rows] = pair_fit(inst, pair_h=feas.pair_h[rows], pair_u=feas.pair_u[rows])
    unit_of = stage2(inst, feas, fit, matched)
    if inst.policy.choice_rule == "serial_choice":
        unit_of = serial_choice(inst, feas, fit, unit_of)
    timings["stage2_s"] = time.perf_counter() - t2
    return Solution(
        inst=inst,
        feas=feas,
        fit=fit,
        unit_of=unit_of,
        floors=floors,
        # A candidate cap solves a smaller problem: its optimum is not the round's.
        optimal=optimal and not capped,
        timings=timings,
        swaps=swaps,
    )


def solve(problem: Problem, *, config: SolverConfig | None = None) -> Result:
    """Solve a validated problem: deterministic for a given seed with one worker."""
    cfg = config or SolverConfig()
    t0 = time.perf_counter()
    if cfg.seed is not None:
        problem = problem.model_copy(update={"seed": cfg.seed})
    inst = build_instance(problem)
    build_s = time.perf_counter() - t0
    solution = solve_instance(inst, config=cfg)
    solution.timings["build_s"] = build_s
    result = build_result(solution, explain=cfg.explain)
    result.stats["solver"]["total_s"] = round(time.perf_counter() - t0, 3)
    return result
