"""Bipartite assignment as OR-Tools min-cost flows built from numpy arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from matching.instance import I32, I64


class FlowError(RuntimeError):
    """OR-Tools reported a status other than OPTIMAL."""


def max_weight_assignment(
    *,
    n_households: int,
    n_units: int,
    pair_h: I32,
    pair_u: I32,
    household_weight: I64 | None = None,
    pair_weight: I64 | None = None,
    required: npt.NDArray[np.bool_] | None = None,
) -> I64:
    """Maximum-cardinality matching of largest total weight; unit per household, -1 if none.

    Weights sit on the household's source arc (stage 1) or on the pair arc (stage 2). With
    `required`, only those households take part and the flow must match them all.
    """
    keep = np.ones(pair_h.size, dtype=np.bool_) if required is None else required[pair_h]
    ph = pair_h[keep].astype(np.int32)
    pu = pair_u[keep].astype(np.int32)
    source, sink = n_households + n_units, n_households + n_units + 1
    households = np.arange(n_households, dtype=np.int32)
    if required is not None:
        households = households[required]
    units = np.arange(n_units, dtype=np.int32)
    zero_h = np.zeros(households.size, dtype=np.int64)
    h_cost = zero_h if household_weight is None else -household_weight[households]
    p_cost = np.zeros(ph.size, dtype=np.int64) if pair_weight is None else -pair_weight[keep]
    tails = np.concatenate([np.full(households.size, source, np.int32), ph, units + n_households])
    heads = np.concatenate([households, pu + n_households, np.full(n_units, sink, np.int32)])
    costs = np.concatenate([h_cost, p_cost, np.zeros(n_units, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.ones(tails.size, dtype=np.int64), costs.astype(np.int64)
    )
    if required is not None:
        # Everyone must be matched: a plain min-cost flow with exact supplies is faster.
        flow.set_node_supply(source, int(households.size))
        flow.set_node_supply(sink, -int(households.size))
        status = flow.solve()
    else:
        supply = min(int(households.size), n_units)
        flow.set_node_supply(source, supply)
        flow.set_node_supply(sink, -supply)
        status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise FlowError(f"min-cost flow status {status}")
    pair_arcs = np.asarray(arcs)[households.size : households.size + ph.size]
    used = np.asarray(flow.flows(pair_arcs)) > 0
    unit_of = np.full(n_households, -1, dtype=np.int64)
    unit_of[ph[used]] = pu[used]
    if required is not None and int(used.sum()) != int(households.size):
        raise FlowError("the required households cannot all be matched")
    return unit_of
