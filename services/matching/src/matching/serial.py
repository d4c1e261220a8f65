"""Stage 2 under `serial_choice`: in priority order each household takes its best-fit unit
among those that still leave every other stage-1 household matchable."""

from __future__ import annotations

from collections import deque

import numpy as np

from matching.feasibility import Feasibility
from matching.instance import I64, Instance


def serial_choice(inst: Instance, feas: Feasibility, fit: I64, unit_of: I64) -> I64:
    """Start from any matching of the stage-1 set; fix households one by one in order."""
    unit_of = unit_of.copy()
    holder = np.full(inst.n_units, -1, dtype=np.int64)
    matched = np.nonzero(unit_of >= 0)[0]
    holder[unit_of[matched]] = matched
    by_h = np.lexsort((feas.pair_u, -fit, feas.pair_h))
    ptr = np.searchsorted(feas.pair_h[by_h], np.arange(inst.n_households + 1)).tolist()
    adj = feas.pair_u[by_h].tolist()  # per household, best fit first
    fixed = np.zeros(inst.n_households, dtype=np.bool_)
    for h in matched[np.argsort(inst.position[matched])].tolist():
        for u in adj[ptr[h] : ptr[h + 1]]:
            if u == unit_of[h]:
                break
            y = int(holder[u])
            if y >= 0 and (fixed[y] or not _reroute(y, u, h, adj, ptr, unit_of, holder, fixed)):
                continue
            holder[unit_of[h]] = -1 if holder[unit_of[h]] == h else holder[unit_of[h]]
            unit_of[h] = u
            holder[u] = h
            break
        fixed[h] = True
    return unit_of


def _reroute(
    y: int,
    banned: int,
    leaving: int,
    adj: list[int],
    ptr: list[int],
    unit_of: I64,
    holder: I64,
    fixed: np.ndarray,
) -> bool:
    """Move y off `banned` along an alternating path ending at a free unit (the unit `leaving`
    gives up counts as free); False if every path is blocked by fixed households."""
    parent: dict[int, tuple[int, int]] = {}  # household -> (previous household, unit it takes)
    seen = {banned}
    queue = deque([y])
    while queue:
        x = queue.popleft()
        for v in adj[ptr[x] : ptr[x + 1]]:
            if v in seen:
                continue
            seen.add(v)
            z = int(holder[v])
            if z < 0 or z == leaving:
                # x takes v, and every household on the path shifts to the unit it reached.
                cur, unit = x, v
                while True:
                    old = int(unit_of[cur])
                    unit_of[cur] = unit
                    holder[unit] = cur
                    if cur == y:
                        holder[old] = -1 if holder[old] == cur else holder[old]
                        return True
                    cur, unit = parent[cur][0], old
            if fixed[z]:
                continue
            parent[z] = (x, v)
            queue.append(z)
    return False
