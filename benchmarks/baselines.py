"""What agencies and generic tools do, on the same instance: greedy ranked list, scipy, CP-SAT."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from matching.feasibility import Feasibility
from matching.instance import I64, Instance
from matching.scoring import pair_fit


def greedy_by_priority(inst: Instance, feas: Feasibility) -> I64:
    """A ranked list: in priority (then lottery) order each household takes its best-fit unit."""
    fit = pair_fit(inst, pair_h=feas.pair_h, pair_u=feas.pair_u)
    order = np.lexsort((-fit, inst.position[feas.pair_h]))
    taken = np.zeros(inst.n_units, dtype=np.bool_)
    unit_of = np.full(inst.n_households, -1, dtype=np.int64)
    for h, u in zip(feas.pair_h[order].tolist(), feas.pair_u[order].tolist(), strict=True):
        if unit_of[h] < 0 and not taken[u]:
            unit_of[h] = u
            taken[u] = True
    return unit_of


def scipy_matching(inst: Instance, feas: Feasibility) -> I64:
    """Stage 1 with scipy's LAPJVsp: one dummy row per unit makes a full matching exist."""
    n, m = inst.n_households, inst.n_units
    weight = (n - inst.position[feas.pair_h] + 1).astype(np.float64)
    rows = np.concatenate([feas.pair_h.astype(np.int64), n + np.arange(m)])
    cols = np.concatenate([feas.pair_u.astype(np.int64), np.arange(m)])
    data = np.concatenate([weight, np.ones(m)])
    graph = csr_matrix((data, (rows, cols)), shape=(n + m, m))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph.T.tocsr(), maximize=True)
    unit_of = np.full(n, -1, dtype=np.int64)
    real = col_ind < n
    unit_of[col_ind[real]] = row_ind[real]
    return unit_of


def cpsat_matching(inst: Instance, feas: Feasibility, *, time_limit_s: float) -> dict[str, Any]:
    """A naive CP-SAT model: one Boolean per feasible pair, Σ dense-rank weight maximised."""
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(feas.n_pairs)]
    by_h: dict[int, list[Any]] = {}
    by_u: dict[int, list[Any]] = {}
    for var, h, u in zip(x, feas.pair_h.tolist(), feas.pair_u.tolist(), strict=True):
        by_h.setdefault(h, []).append(var)
        by_u.setdefault(u, []).append(var)
    for group in (*by_h.values(), *by_u.values()):
        model.add_at_most_one(group)
    level = inst.level[feas.pair_h].tolist()
    model.maximize(sum(w * v for w, v in zip(level, x, strict=True)))
    build_s = time.perf_counter() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    unit_of = np.full(inst.n_households, -1, dtype=np.int64)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for var, h, u in zip(x, feas.pair_h.tolist(), feas.pair_u.tolist(), strict=True):
            if solver.value(var):
                unit_of[h] = u
    return {
        "unit_of": unit_of,
        "build_s": build_s,
        "solve_s": time.perf_counter() - t0 - build_s,
        "status": solver.status_name(status),
    }
