"""Hard rules H1-H12 over every (household, unit) pair, vectorised by comune, with exclusion counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.instance import I32, I64, Instance

# Reason codes in DOMAIN.md §4.3 order; `excluded` columns follow this tuple.
REASONS: tuple[str, ...] = (
    "NOT_ELIGIBLE",
    "COMUNE_NOT_ACCEPTABLE",
    "TOO_SMALL",
    "TOO_LARGE",
    "NOT_STEP_FREE",
    "NOT_BARRIER_FREE",
    "UNAFFORDABLE",
    "RENT_NOT_VERIFIED",
    "UNIT_NEEDS_WORKS",
    "OCCUPANCY_LIMIT",
    "PETS",
    "SMOKING",
    "MOVE_IN_DATE",
    "REFUSED_BEFORE",
)
R = {name: i for i, name in enumerate(REASONS)}
# Smallest affordability gaps kept per household for the counterfactual.
GAPS_KEPT = 16
_CELLS_PER_BLOCK = 1 << 22
_KEY_SHIFT = np.int64(1) << np.int64(40)


@dataclass(frozen=True)
class Feasibility:
    """Feasible pairs (grouped by comune block); per household, units excluded by each rule.

    A unit counts under every rule it fails (the counts are per rule, not a partition), and
    only units in an acceptable comune count under rules other than COMUNE_NOT_ACCEPTABLE.
    """

    pair_h: I32
    pair_u: I32
    excluded: I64

    @property
    def n_pairs(self) -> int:
        return int(self.pair_h.size)

    def feasible_count(self, n_households: int) -> I64:
        return np.bincount(self.pair_h, minlength=n_households).astype(np.int64)


def size_rules(inst: Instance, size: int) -> tuple[npt.NDArray[np.bool_], ...]:
    """Unit masks failing H3 (too small, studio), H4 (too large) and H11 occupancy for a size."""
    pol = inst.policy
    minimum = pol.min_area(size)
    studio = (inst.bedrooms == 0) & (size > pol.studio_max_household_size)
    too_small = (inst.area_tenths < minimum) | studio
    too_large = inst.area_tenths * 10000 > minimum * pol.under_occupation_factor_bp
    occupancy = inst.max_occupants < size
    return too_small, too_large, occupancy


def class_masks(inst: Instance) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Households grouped by (size, flags); one unit mask per group for every non-price rule."""
    bits = (
        inst.needs_step_free.astype(np.int64)
        | inst.wheelchair.astype(np.int64) << 1
        | inst.pets.astype(np.int64) << 2
        | inst.smoker.astype(np.int64) << 3
        | (~inst.accepts_as_is).astype(np.int64) << 4
        | (~inst.eligible).astype(np.int64) << 5
    )
    key = inst.size * 64 + bits
    classes, cls = np.unique(key, return_inverse=True)
    masks = np.zeros((classes.size, inst.n_units), dtype=np.bool_)
    for i, k in enumerate(classes.tolist()):
        size, b = divmod(int(k), 64)
        too_small, too_large, occupancy = size_rules(inst, size)
        ok = ~(too_small | too_large | occupancy) & inst.band_ok
        if b & 1:
            ok &= inst.step_free
        if b & 2:
            ok &= inst.barrier_free
        if b & 4:
            ok &= inst.pets_allowed
        if b & 8:
            ok &= inst.smoking_allowed
        if b & 16:
            ok &= ~inst.needs_works
        if b & 32:
            ok[:] = False
        masks[i] = ok
    return cls.astype(np.int64), masks


def _by_comune(inst: Instance) -> tuple[I64, I64, I64, I64]:
    """Units sorted by comune with segment starts, and (household, comune) pairs sorted by comune."""
    unit_order = np.argsort(inst.comune, kind="stable")
    starts = np.searchsorted(inst.comune[unit_order], np.arange(len(inst.comuni) + 1))
    ph = np.repeat(np.arange(inst.n_households, dtype=np.int64), np.diff(inst.acc_ptr))
    return unit_order.astype(np.int64), starts.astype(np.int64), ph, inst.acc_comune


def _merge_gaps(gaps: I64, rows: I64, block: I64) -> None:
    k = min(GAPS_KEPT, block.shape[1])
    small = np.partition(block, k - 1, axis=1)[:, :k] if block.shape[1] > k else block
    both = np.concatenate([gaps[rows], np.where(small < 0, -1, small)], axis=1)
    both = np.where(both < 0, np.iinfo(np.int64).max, both)
    both.sort(axis=1)
    kept = both[:, :GAPS_KEPT]
    gaps[rows] = np.where(kept == np.iinfo(np.int64).max, -1, kept)


def _blocks(inst: Instance) -> Iterator[tuple[I64, I64]]:
    """(households, units) per comune, in chunks that bound the block's memory."""
    unit_order, starts, ph, pc = _by_comune(inst)
    by_c = np.argsort(pc, kind="stable")
    bounds = np.searchsorted(pc[by_c], np.arange(len(inst.comuni) + 1))
    for c in range(len(inst.comuni)):
        units = unit_order[starts[c] : starts[c + 1]]
        hh = ph[by_c[bounds[c] : bounds[c + 1]]]
        if units.size == 0 or hh.size == 0:
            continue
        step = max(1, _CELLS_PER_BLOCK // units.size)
        for lo in range(0, hh.size, step):
            yield hh[lo : lo + step], units


def _pairs(inst: Instance) -> tuple[I64, I64]:
    cls, masks = class_masks(inst)
    dated = bool((inst.latest_move_in != np.iinfo(np.int64).max).any())
    out_h: list[I64] = []
    out_u: list[I64] = []
    cached: tuple[int, npt.NDArray[np.bool_]] = (-1, masks)
    for rows, units in _blocks(inst):
        if cached[0] != id(units):
            cached = (id(units), masks[:, units])
        ok = cached[1][cls[rows]]
        ok &= inst.cost_cents[units][None, :] <= inst.ceiling_cents[rows][:, None]
        if dated:
            ok &= inst.available_from[units][None, :] <= inst.latest_move_in[rows][:, None]
        r, u = np.nonzero(ok)
        out_h.append(rows[r])
        out_u.append(units[u])
    if not out_h:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(out_h), np.concatenate(out_u)


def affordability_gaps(inst: Instance, households: I64) -> I64:
    """Per listed household, the smallest extra ceilings (cents, padded with -1) that would make
    a unit failing only affordability feasible: the counterfactual's raw material."""
    gaps = np.full((inst.n_households, GAPS_KEPT), -1, dtype=np.int64)
    if households.size == 0:
        return gaps[households]
    cls, masks = class_masks(inst)
    wanted = np.zeros(inst.n_households, dtype=np.bool_)
    wanted[households] = True
    for rows, units in _blocks(inst):
        rows = rows[wanted[rows]]
        if rows.size == 0:
            continue
        ok = masks[:, units][cls[rows]]
        ok &= inst.available_from[units][None, :] <= inst.latest_move_in[rows][:, None]
        gap = inst.cost_cents[units][None, :] - inst.ceiling_cents[rows][:, None]
        near = ok & (gap > 0)
        if near.any():
            _merge_gaps(gaps, rows, np.where(near, gap, -1))
    return gaps[households]


def _counts(inst: Instance) -> I64:
    n, nc = inst.n_households, len(inst.comuni)
    counts = np.zeros((n, len(REASONS)), dtype=np.int64)
    ph = np.repeat(np.arange(n, dtype=np.int64), np.diff(inst.acc_ptr))
    pc = inst.acc_comune
    per_c = np.bincount(inst.comune, minlength=nc)

    def add(reason: str, values: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> None:
        w = np.asarray(values, dtype=np.float64)
        counts[:, R[reason]] += np.bincount(ph, weights=w, minlength=n).astype(np.int64)

    def per_comune(mask: npt.NDArray[np.bool_]) -> I64:
        return np.bincount(inst.comune[mask], minlength=nc).astype(np.int64)

    reachable = np.bincount(ph, weights=per_c[pc].astype(np.float64), minlength=n)
    counts[:, R["COMUNE_NOT_ACCEPTABLE"]] = inst.n_units - reachable.astype(np.int64)
    add("NOT_ELIGIBLE", per_c[pc] * ~inst.eligible[ph])
    for size in np.unique(inst.size).tolist():
        sel = inst.size[ph] == size
        for reason, mask in zip(
            ("TOO_SMALL", "TOO_LARGE", "OCCUPANCY_LIMIT"), size_rules(inst, size), strict=True
        ):
            add(reason, np.where(sel, per_comune(mask)[pc], 0))
    for reason, need, unit_ok in (
        ("NOT_STEP_FREE", inst.needs_step_free, inst.step_free),
        ("NOT_BARRIER_FREE", inst.wheelchair, inst.barrier_free),
        ("PETS", inst.pets, inst.pets_allowed),
        ("SMOKING", inst.smoker, inst.smoking_allowed),
        ("UNIT_NEEDS_WORKS", ~inst.accepts_as_is, ~inst.needs_works),
        ("RENT_NOT_VERIFIED", np.ones(n, dtype=np.bool_), inst.band_ok),
    ):
        add(reason, per_comune(~unit_ok)[pc] * need[ph])
    for reason, unit_value, limit in (
        ("UNAFFORDABLE", inst.cost_cents, inst.ceiling_cents),
        ("MOVE_IN_DATE", inst.available_from, np.minimum(inst.latest_move_in, _KEY_SHIFT - 1)),
    ):
        keys = np.sort(inst.comune * _KEY_SHIFT + unit_value)
        ends = np.searchsorted(keys, (pc + 1) * _KEY_SHIFT)
        within = np.searchsorted(keys, pc * _KEY_SHIFT + limit[ph], side="right")
        add(reason, ends - within)
    return counts


def feasibility(inst: Instance) -> Feasibility:
    """Feasible pairs (H1-H12 but quotas), exclusion counts and affordability gaps."""
    pair_h, pair_u = _pairs(inst)
    counts = _counts(inst)
    refused = [(h, u) for h, units in enumerate(inst.refused) for u in units]
    if refused and pair_h.size:
        key = pair_h * inst.n_units + pair_u
        drop = np.isin(key, np.array([h * inst.n_units + u for h, u in refused], dtype=np.int64))
        np.add.at(counts[:, R["REFUSED_BEFORE"]], pair_h[drop], 1)
        pair_h, pair_u = pair_h[~drop], pair_u[~drop]
    i32: type[np.int32] = np.int32
    ph: I32 = pair_h.astype(i32)
    pu: I32 = pair_u.astype(i32)
    return Feasibility(pair_h=ph, pair_u=pu, excluded=counts)
