"""Quota floors (DOMAIN.md §4.4, first-round form) kept exactly by best-swap exchanges."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching.feasibility import Feasibility
from matching.instance import CATEGORY_LOCAL, CATEGORY_POLICE, I64, Instance
from shared.policy import ceil_share, floor_share


@dataclass(frozen=True)
class Floor:
    """A floor on how many households of a group are matched: min(target, achievable)."""

    name: str
    members: npt.NDArray[np.bool_]
    target: int
    achievable: int

    @property
    def floor(self) -> int:
        return min(self.target, self.achievable)


def _rounded(n: int, bp: int, rounding: str) -> int:
    return ceil_share(n, bp) if rounding == "ceil" else floor_share(n, bp)


def achievable(inst: Instance, feas: Feasibility, members: npt.NDArray[np.bool_]) -> int:
    """Size of a maximum matching between the group's households and the units."""
    keep = members[feas.pair_h]
    if not keep.any():
        return 0
    graph = csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (feas.pair_h[keep], feas.pair_u[keep])),
        shape=(inst.n_households, inst.n_units),
    )
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def compute_floors(inst: Instance, feas: Feasibility) -> list[Floor]:
    """Indigent floor, police and local reserves, each only when its share is above zero."""
    pol, n = inst.policy, inst.n_units
    groups = (
        ("indigent", inst.indigent, pol.indigent_quota_share_bp, pol.indigent_quota_rounding),
        (
            "police",
            inst.category == CATEGORY_POLICE,
            pol.police_reserve_share_bp,
            pol.police_reserve_rounding,
        ),
        (
            "local",
            inst.category == CATEGORY_LOCAL,
            pol.local_category_reserve_share_bp,
            pol.local_category_reserve_rounding,
        ),
    )
    return [
        Floor(
            name=name,
            members=members,
            target=_rounded(n, bp, rounding),
            achievable=achievable(inst, feas, members),
        )
        for name, members, bp, rounding in groups
        if bp > 0
    ]


class _Swapper:
    """Alternating-path exchanges on a maximum matching: one household in, one out."""

    def __init__(self, inst: Instance, feas: Feasibility, unit_of: I64) -> None:
        self.inst = inst
        by_h = np.argsort(feas.pair_h, kind="stable")
        self.ptr = np.searchsorted(feas.pair_h[by_h], np.arange(inst.n_households + 1)).tolist()
        self.adj = feas.pair_u[by_h].tolist()
        self.unit_of = unit_of.copy()
        self.holder = np.full(inst.n_units, -1, dtype=np.int64)
        matched = np.nonzero(unit_of >= 0)[0]
        self.holder[unit_of[matched]] = matched
        self.level = inst.level.tolist()
        self.position = inst.position.tolist()

    def better(self, a: tuple[int, int], b: tuple[int, int]) -> bool:
        """Does swap a (e in, f out; f = -1 for none) leave a lexicographically better set?"""
        net: defaultdict[int, int] = defaultdict(int)
        for (e, f), sign in ((a, 1), (b, -1)):
            net[self.level[e]] += sign
            if f >= 0:
                net[self.level[f]] -= sign
        for lvl in sorted(net, reverse=True):
            if net[lvl]:
                return net[lvl] > 0
        only_a = ({a[0]} - {b[0]}) | ({b[1]} - {a[1], -1})
        only_b = ({b[0]} - {a[0]}) | ({a[1]} - {b[1], -1})
        first = min(only_a | only_b, key=lambda h: self.position[h])
        return first in only_a

    def best_swap(
        self, entering: npt.NDArray[np.bool_], removable: npt.NDArray[np.bool_]
    ) -> tuple[int, int, dict[int, tuple[int, int]]] | None:
        """Best (e, f): e unmatched from `entering`, f matched and removable, by alternating paths."""
        holder, ptr, adj = self.holder, self.ptr, self.adj
        candidates = np.nonzero(entering & (self.unit_of < 0))[0]
        candidates = candidates[np.argsort(self.inst.position[candidates])]
        prev: dict[int, tuple[int, int]] = {}
        origin: dict[int, int] = {}
        seen_units: set[int] = set()
        for e in candidates.tolist():
            stack = [e]
            while stack:
                x = stack.pop()
                for u in adj[ptr[x] : ptr[x + 1]]:
                    if u in seen_units:
                        continue
                    seen_units.add(u)
                    y = int(holder[u])
                    if y < 0:  # a free unit: e enters and nobody leaves
                        prev[-1] = (x, u)
                        return e, -1, prev
                    prev[y] = (x, u)
                    origin[y] = e
                    stack.append(y)
        best: tuple[int, int] | None = None
        for f, e in origin.items():
            if removable[f] and (best is None or self.better((e, f), best)):
                best = (e, f)
        return None if best is None else (best[0], best[1], prev)

    def apply(self, e: int, f: int, prev: dict[int, tuple[int, int]]) -> None:
        cur = f
        if f >= 0:
            self.unit_of[f] = -1
        while True:
            x, u = prev[cur]
            self.unit_of[x] = u
            self.holder[u] = x
            if x == e:
                return
            cur = x


def enforce_floors(
    inst: Instance, feas: Feasibility, unit_of: I64, floors: list[Floor], *, deadline: float
) -> tuple[I64, bool, int]:
    """Raise each floor's count by the best single exchange at a time (Gabow-Tarjan swaps).

    From the unconstrained optimum, the best basis with k+1 group members is the best basis
    with k plus one exchange; lexicographic weights are compared exactly, never summed. Earlier
    floors are protected while later ones are raised. Returns (units, proven, swaps): proven
    when one floor needed exchanges and no other floor was tight meanwhile.
    """
    swapper = _Swapper(inst, feas, unit_of)
    protected: list[Floor] = []
    swaps = 0
    # The exchange theorem covers one floor; it still applies while no other floor is tight.
    exact = True
    raised = 0
    for fl in floors:
        raised += int((fl.members & (swapper.unit_of >= 0)).sum()) < fl.floor
        while int((fl.members & (swapper.unit_of >= 0)).sum()) < fl.floor:
            if time.monotonic() > deadline:
                return swapper.unit_of, False, swaps
            removable = ~fl.members
            for other in protected:
                housed = other.members & (swapper.unit_of >= 0)
                if int(housed.sum()) <= other.floor and (housed & removable).any():
                    removable &= ~other.members
                    exact = False
            found = swapper.best_swap(fl.members, removable)
            if found is None:
                return swapper.unit_of, False, swaps
            e, f, prev = found
            swapper.apply(e, f, prev)
            swaps += 1
        protected.append(fl)
    return swapper.unit_of, exact and raised <= 1, swaps


def polish(
    inst: Instance, feas: Feasibility, unit_of: I64, floors: list[Floor], *, deadline: float
) -> I64:
    """Apply improving exchanges (an earlier household in, a later one out, no tight floor's
    member removed) until none is left: a result not proven optimal is at least never beaten
    by a single exchange, which is what the validator checks."""
    swapper = _Swapper(inst, feas, unit_of)
    position = inst.position
    while time.monotonic() < deadline:
        matched = swapper.unit_of >= 0
        removable = matched.copy()
        for fl in floors:
            if int((fl.members & matched).sum()) <= fl.floor:
                removable &= ~fl.members
        found = swapper.best_swap(~matched, removable)
        if found is None:
            break
        e, f, prev = found
        if f >= 0 and position[e] > position[f]:
            break
        swapper.apply(e, f, prev)
    return swapper.unit_of
