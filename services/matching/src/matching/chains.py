"""Stage 1 on a compressed graph: units grouped by comune and household class, sorted by cost,
reached through a tree of aligned blocks instead of one arc per feasible pair."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from matching.feasibility import Feasibility, class_masks
from matching.flows import FlowError
from matching.instance import I64, Instance


def priority_set(
    inst: Instance, feas: Feasibility, weight: I64, *, compress: bool = True
) -> npt.NDArray[np.bool_]:
    """The matched set of a maximum-weight matching over exactly the feasible pairs.

    Within a (comune, class) group every non-price rule holds for every unit, so a household
    is feasible for a prefix of the group's units sorted by cost. A prefix is the union of at
    most log2(units) aligned blocks, each a node that reaches its units through a binary tree,
    so a household needs a few arcs per acceptable comune instead of one per unit. Households
    with pair-specific rules (refusals, move-in dates) keep explicit arcs, and so does
    everyone when `compress` is off (the pairs are a subset, e.g. capped candidates).
    """
    n, m = inst.n_households, inst.n_units
    cls, masks = class_masks(inst)
    dated = inst.latest_move_in != np.iinfo(np.int64).max
    explicit = dated | np.array([bool(r) for r in inst.refused], dtype=np.bool_)
    if not compress:
        explicit[:] = True
    ph = np.repeat(np.arange(n, dtype=np.int64), np.diff(inst.acc_ptr))
    pc = inst.acc_comune
    keep = ~explicit[ph]
    ph, pc = ph[keep], pc[keep]
    group_key = pc * (cls.max(initial=0) + 1) + cls[ph]
    groups, group_of = np.unique(group_key, return_inverse=True)
    source, sink = n + m, n + m + 1
    next_node = n + m + 2
    tails: list[I64] = []
    heads: list[I64] = []
    entry_t: list[I64] = []
    entry_h: list[I64] = []
    width = int(cls.max(initial=0)) + 1
    for g, key in enumerate(groups.tolist()):
        c, k = divmod(key, width)
        units = np.nonzero((inst.comune == c) & masks[k])[0]
        members = np.nonzero(group_of == g)[0]
        if units.size == 0:
            continue
        units = units[np.lexsort((units, inst.cost_cents[units]))]
        # Aligned blocks [s, s + 2^b) of the cost-sorted units; level 0 is the unit itself.
        size = units.size
        node_of = {0: units + n}
        b = 1
        while (1 << (b - 1)) < size:
            starts = np.arange(0, size, 1 << b)
            ids = np.arange(next_node, next_node + starts.size, dtype=np.int64)
            next_node += starts.size
            node_of[b] = ids
            half = 1 << (b - 1)
            left = node_of[b - 1][starts // half]
            tails += [ids]
            heads += [left]
            right_ok = starts + half < size
            tails += [ids[right_ok]]
            heads += [node_of[b - 1][(starts[right_ok] + half) // half]]
            b += 1
        prefix = np.searchsorted(inst.cost_cents[units], inst.ceiling_cents[ph[members]], "right")
        start = np.zeros(members.size, dtype=np.int64)
        for level in range(b - 1, -1, -1):
            bit = (prefix >> level) & 1 == 1
            if bit.any():
                entry_t.append(ph[members[bit]])
                entry_h.append(node_of[level][start[bit] >> level])
                start[bit] += 1 << level
    direct = explicit[feas.pair_h]
    h_arcs_t = np.concatenate([*entry_t, feas.pair_h[direct].astype(np.int64)])
    h_arcs_h = np.concatenate([*entry_h, feas.pair_u[direct].astype(np.int64) + n])
    households = np.arange(n, dtype=np.int64)
    all_t = np.concatenate([np.full(n, source), h_arcs_t, np.arange(m) + n, *tails])
    all_h = np.concatenate([households, h_arcs_h, np.full(m, sink), *heads])
    inner = sum(t.size for t in tails)
    all_c = np.concatenate([np.ones(n + h_arcs_t.size + m, np.int64), np.full(inner, n)])
    cost = np.zeros(all_t.size, dtype=np.int64)
    cost[:n] = -weight
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        all_t.astype(np.int32), all_h.astype(np.int32), all_c, cost
    )
    # Every weight is positive, so the cheapest flow is a maximum matching; the bypass lets
    # the unmatched households' supply reach the sink at no cost.
    flow.add_arc_with_capacity_and_unit_cost(source, sink, n, 0)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    if flow.solve() != flow.OPTIMAL:
        raise FlowError("stage-1 flow not optimal")
    return np.asarray(flow.flows(np.arange(n, dtype=np.int32))) > 0
