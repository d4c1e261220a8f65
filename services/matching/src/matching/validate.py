"""Independent result validator: 1:1, feasibility, completeness, quotas, stage-1 certificate."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching.engine_policy import EnginePolicy, resolve_policy
from matching.lottery import dense_rank, lottery_ticket
from matching.problem import HouseholdIn, Problem, Result, UnitIn
from shared.policy import ceil_share, floor_share, to_cents

Pairs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


class InvalidResult(AssertionError):
    """A result that breaks a hard rule, a quota or the stage-1 certificate."""


@dataclass(frozen=True)
class _Floor:
    name: str
    members: frozenset[int]
    floor: int


def _min_area_tenths(pol: EnginePolicy, size: int) -> int:
    table = pol.min_area_tenths
    by_table = table[size] if size < len(table) else table[-1]
    first, further = min(size, 4), max(size - 4, 0)
    habitable = (
        first * pol.habitability_first_four_tenths + further * pol.habitability_each_further_tenths
    )
    return max(by_table, habitable)


def pair_ok(pol: EnginePolicy, h: HouseholdIn, u: UnitIn) -> bool:
    """Every hard rule for one pair, written plainly from the problem's own fields."""
    minimum = _min_area_tenths(pol, h.size)
    area = int(u.area_m2 * 10)
    cost = to_cents(u.rent_eur) + (
        to_cents(u.charges_eur) if pol.affordability_includes_charges else 0
    )
    ceiling = to_cents(h.max_rent_eur) + (pol.indigent_rent_support_cents if h.indigent else 0)
    unknown = pol.step_free_unknown_as
    step_free = unknown if u.step_free is None else u.step_free
    barrier_free = unknown if u.barrier_free is None else u.barrier_free
    return (
        h.eligible
        and u.comune in h.acceptable_comuni
        and area >= minimum
        and not (u.bedrooms == 0 and h.size > pol.studio_max_household_size)
        and area * 10000 <= minimum * pol.under_occupation_factor_bp
        and (not h.needs_step_free or step_free)
        and (not h.wheelchair or barrier_free)
        and cost <= ceiling
        and u.band_ok
        and (u.status != "needs_works" or h.accepts_as_is)
        and (u.max_occupants is None or h.size <= u.max_occupants)
        and (not h.pets or u.pets_allowed)
        and (not h.smoker or u.smoking_allowed)
        and (
            h.latest_move_in is None
            or u.available_from is None
            or u.available_from <= h.latest_move_in
        )
        and u.id not in h.refused_units
    )


def all_pairs(problem: Problem, pol: EnginePolicy) -> Pairs:
    """Every feasible pair by brute force (households and units in id order)."""
    hs = sorted(problem.households, key=lambda h: h.id)
    us = sorted(problem.units, key=lambda u: u.id)
    found = [(i, j) for i, h in enumerate(hs) for j, u in enumerate(us) if pair_ok(pol, h, u)]
    arr = np.array(found, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _max_matching(n: int, m: int, ph: npt.NDArray[np.int64], pu: npt.NDArray[np.int64]) -> int:
    if ph.size == 0:
        return 0
    graph = csr_matrix((np.ones(ph.size, dtype=np.int8), (ph, pu)), shape=(n, m))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def _reach_label(
    n: int, m: int, pairs: Pairs, unit_of: npt.NDArray[np.int64], position: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], bool]:
    """Per matched household, the earliest unmatched household reaching it by an alternating path."""
    ph, pu = pairs
    big = np.iinfo(np.int64).max
    holder = np.full(m, -1, dtype=np.int64)
    matched = np.nonzero(unit_of >= 0)[0]
    holder[unit_of[matched]] = matched
    label = np.where(unit_of < 0, position, big)
    order = np.argsort(pu, kind="stable")
    sh, su = ph[order], pu[order]
    starts = np.nonzero(np.r_[True, su[1:] != su[:-1]])[0] if su.size else np.zeros(0, np.int64)
    units = su[starts]
    while True:
        unit_label = np.minimum.reduceat(label[sh], starts) if su.size else np.zeros(0, np.int64)
        reached = unit_label < big
        if (reached & (holder[units] < 0)).any():
            return label, True  # an augmenting path: not even a maximum matching
        held = holder[units]
        new = label.copy()
        np.minimum.at(new, held[reached], unit_label[reached])
        new[unit_of < 0] = label[unit_of < 0]
        if np.array_equal(new, label):
            return label, False
        label = new


def violations(problem: Problem, result: Result, *, pairs: Pairs | None = None) -> list[str]:
    """Every broken invariant, as messages; empty when the result is valid."""
    pol = resolve_policy(problem.policy)
    hs = sorted(problem.households, key=lambda h: h.id)
    us = sorted(problem.units, key=lambda u: u.id)
    h_index = {h.id: i for i, h in enumerate(hs)}
    u_index = {u.id: i for i, u in enumerate(us)}
    found: list[str] = []
    unit_of = np.full(len(hs), -1, dtype=np.int64)
    seen: set[str] = set()
    used: set[str] = set()
    for a in result.assignments:
        if a.household_id not in h_index or a.unit_id not in u_index:
            found.append(f"unknown id in assignment {a.household_id}->{a.unit_id}")
            continue
        if a.household_id in seen:
            found.append(f"household {a.household_id} listed twice")
        if a.unit_id in used:
            found.append(f"unit {a.unit_id} assigned twice")
        seen.add(a.household_id)
        used.add(a.unit_id)
        h, u = h_index[a.household_id], u_index[a.unit_id]
        if not pair_ok(pol, hs[h], us[u]):
            found.append(f"infeasible pair {a.household_id}->{a.unit_id}")
        unit_of[h] = u
    for left in result.unmatched:
        if left.household_id in seen or left.household_id not in h_index:
            found.append(f"household {left.household_id} unknown or listed twice")
        seen.add(left.household_id)
    if seen != set(h_index):
        found.append(f"{len(set(h_index) - seen)} households neither assigned nor unmatched")
    if found:
        return found
    ph, pu = pairs if pairs is not None else all_pairs(problem, pol)
    n, m = len(hs), len(us)
    floors = _floors(pol, hs, m, ph, pu)
    for fl in floors:
        achieved = sum(1 for h in fl.members if unit_of[h] >= 0)
        if achieved < fl.floor:
            found.append(f"{fl.name} floor {fl.floor} not met ({achieved})")
    if int((unit_of >= 0).sum()) != _max_matching(n, m, ph, pu):
        found.append("not a maximum matching")
    levels = dense_rank([h.priority for h in hs])
    tickets = [lottery_ticket(seed=problem.seed, household_id=h.id) for h in hs]
    ranked = sorted(range(n), key=lambda i: (-int(levels[i]), tickets[i]))
    position = np.empty(n, dtype=np.int64)
    position[np.array(ranked, dtype=np.int64)] = np.arange(n)
    label, augmenting = _reach_label(n, m, (ph, pu), unit_of, position)
    if augmenting:
        found.append("an unmatched household could be added")
    tight = set().union(
        *[fl.members for fl in floors if sum(unit_of[h] >= 0 for h in fl.members) <= fl.floor]
    )
    for f in np.nonzero((unit_of >= 0) & (label < position))[0].tolist():
        if f not in tight:
            found.append(f"unmatched household at order {label[f]} could replace {hs[f].id}")
            break
    return found


def _floors(
    pol: EnginePolicy,
    hs: list[HouseholdIn],
    m: int,
    ph: npt.NDArray[np.int64],
    pu: npt.NDArray[np.int64],
) -> list[_Floor]:
    groups: dict[str, frozenset[int]] = {
        "indigent": frozenset(i for i, h in enumerate(hs) if h.indigent),
        "police": frozenset(i for i, h in enumerate(hs) if h.reserve_category == "police"),
        "local": frozenset(i for i, h in enumerate(hs) if h.reserve_category == "local"),
    }

    def rank(names: tuple[str, ...]) -> int:
        members = sorted(set().union(*(groups[n] for n in names)))
        keep = np.isin(ph, np.array(members, dtype=np.int64))
        return _max_matching(len(hs), m, ph[keep], pu[keep])

    out: list[_Floor] = []
    earlier: list[tuple[str, int]] = []
    for name, bp, rounding in (
        ("indigent", pol.indigent_quota_share_bp, pol.indigent_quota_rounding),
        ("police", pol.police_reserve_share_bp, pol.police_reserve_rounding),
        ("local", pol.local_category_reserve_share_bp, pol.local_category_reserve_rounding),
    ):
        if bp <= 0:
            continue
        target = ceil_share(m, bp) if rounding == "ceil" else floor_share(m, bp)
        floor = min(target, rank((name,)))
        # Floors are kept in legal order (indigent first): a later floor is owed only as far as the
        # earlier ones leave room. The matched sets of a transversal matroid form a polymatroid, so
        # for each subset S of earlier floors the room is rank(S + this group) - floors(S).
        for k in range(1, len(earlier) + 1):
            for subset in combinations(earlier, k):
                names = (*(n for n, _ in subset), name)
                floor = min(floor, rank(names) - sum(f for _, f in subset))
        floor = max(0, floor)
        out.append(_Floor(name=name, members=groups[name], floor=floor))
        earlier.append((name, floor))
    return out


def ensure_valid(problem: Problem, result: Result, *, pairs: Pairs | None = None) -> None:
    found = violations(problem, result, pairs=pairs)
    if found:
        raise InvalidResult("; ".join(found[:5]))
