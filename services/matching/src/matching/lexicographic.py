"""Exact stage 1 under several binding floors, for rounds of real size: CP-SAT, level by level,
then the lottery household by household. No exchange theorem covers two floors at once."""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from matching.feasibility import Feasibility
from matching.instance import I64, Instance
from matching.quotas import Floor

# Above this many feasible pairs the model is not attempted (a round of the agency has a few
# thousand; a benchmark has millions).
MAX_PAIRS = 50_000


def lexicographic_floors(
    inst: Instance, feas: Feasibility, floors: list[Floor], *, deadline: float
) -> I64 | None:
    """The lexicographic optimum with every floor, or None when too large or out of time."""
    if feas.n_pairs > MAX_PAIRS:
        return None
    n = inst.n_households
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(feas.n_pairs)]
    by_h: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
    by_u: list[list[cp_model.IntVar]] = [[] for _ in range(inst.n_units)]
    for var, h, u in zip(x, feas.pair_h.tolist(), feas.pair_u.tolist(), strict=True):
        by_h[h].append(var)
        by_u[u].append(var)
    y = [model.new_bool_var(f"y{h}") for h in range(n)]
    for h in range(n):
        model.add(sum(by_h[h]) == y[h])
    for group in by_u:
        if group:
            model.add_at_most_one(group)
    for fl in floors:
        model.add(sum(y[h] for h in np.nonzero(fl.members)[0].tolist()) >= fl.floor)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    values: list[int] = []

    def run() -> int | None:
        """1 solved (optimal, or feasible without objective), 0 infeasible, None out of time."""
        solver.parameters.max_time_in_seconds = max(0.0, deadline - time.monotonic())
        status = solver.solve(model)
        done = status == cp_model.OPTIMAL or (
            status == cp_model.FEASIBLE and not model.has_objective()
        )
        if done:
            values[:] = [solver.value(var) for var in x]
            model.clear_hints()  # type: ignore[no-untyped-call]
            for var, value in zip(x, values, strict=True):
                model.add_hint(var, value)
            return 1
        return 0 if status == cp_model.INFEASIBLE else None

    level_of = inst.level.tolist()
    wanted: dict[int, int] = {}
    for level in sorted(set(level_of), reverse=True):
        members = [y[h] for h in range(n) if level_of[h] == level]
        model.maximize(sum(members))
        if run() != 1:
            return None
        model.clear_objective()  # type: ignore[no-untyped-call]
        wanted[level] = round(solver.objective_value)
        model.add(sum(members) == wanted[level])

    def chosen() -> set[int]:
        pairs = zip(values, feas.pair_h.tolist(), strict=True)
        return {h for value, h in pairs if value}

    housed = chosen()
    # The lottery: in order, each household is housed if some optimal-count solution still
    # houses it with everyone housed before it.
    for h in np.argsort(inst.position).tolist():
        if wanted[level_of[h]] == 0:
            model.add(y[h] == 0)
            continue
        if h not in housed:
            model.add_assumptions([y[h]])
            outcome = run()
            model.clear_assumptions()
            if outcome is None:
                return None
            if not outcome:
                model.add(y[h] == 0)
                continue
            housed = chosen()
        model.add(y[h] == 1)
        wanted[level_of[h]] -= 1
    unit_of = np.full(n, -1, dtype=np.int64)
    for value, h, u in zip(values, feas.pair_h.tolist(), feas.pair_u.tolist(), strict=True):
        if value:
            unit_of[h] = u
    return unit_of
