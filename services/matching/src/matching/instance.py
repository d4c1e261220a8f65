"""A validated problem as numpy arrays in canonical (id) order: cents, tenths, codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from matching.engine_policy import EnginePolicy, resolve_policy
from matching.lottery import dense_rank, order_position
from matching.problem import Problem
from shared.policy import to_cents

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

CATEGORY_NONE, CATEGORY_POLICE, CATEGORY_LOCAL = 0, 1, 2
_CATEGORY = {None: CATEGORY_NONE, "police": CATEGORY_POLICE, "local": CATEGORY_LOCAL}
_NO_DATE = np.iinfo(np.int64).max


def _day(value: date | None, missing: int) -> int:
    return value.toordinal() if value is not None else missing


@dataclass(frozen=True)
class Instance:
    """Column arrays of households (index h) and units (index u), both sorted by id."""

    seed: int | str
    policy: EnginePolicy
    household_ids: list[str]
    unit_ids: list[str]
    comuni: list[str]  # comune code -> name
    # households
    size: I64
    level: I64  # dense rank of priority, higher = more urgent
    position: I64  # place in the total order (0 = first): priority desc, then lottery
    ceiling_cents: I64  # max_rent_eur plus the policy's indigent top-up
    indigent: B
    category: I64
    needs_step_free: B
    wheelchair: B
    pets: B
    smoker: B
    accepts_as_is: B
    eligible: B
    latest_move_in: I64  # ordinal day, int64 max when unset
    residence: I64  # comune code, -1 when unknown
    work: I64
    prefers_low_floor: B
    months_waiting: I64
    acc_ptr: I64  # CSR of acceptable comune codes per household
    acc_comune: I64
    refused: list[list[int]]  # unit indices per household (H12)
    # units
    comune: I64
    area_tenths: I64
    cost_cents: I64  # rent (+ charges when the policy says so)
    step_free: B
    barrier_free: B
    max_occupants: I64  # int64 max when any
    pets_allowed: B
    smoking_allowed: B
    needs_works: B
    band_ok: B
    available_from: I64  # ordinal day, 0 when unset
    bedrooms: I64  # -1 when unknown
    floor: I64  # -1 when unknown
    lift: B
    no_transit: B
    days_vacant: I64

    @property
    def n_households(self) -> int:
        return len(self.household_ids)

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)


def build_instance(problem: Problem, *, policy: EnginePolicy | None = None) -> Instance:
    """Canonical arrays of a problem; `policy` defaults to the problem's resolved overrides."""
    pol = policy if policy is not None else resolve_policy(problem.policy)
    hs = sorted(problem.households, key=lambda h: h.id)
    us = sorted(problem.units, key=lambda u: u.id)
    names = sorted(
        {u.comune for u in us}
        | {c for h in hs for c in h.acceptable_comuni}
        | {c for h in hs for c in (h.residence_comune, h.work_comune) if c is not None}
    )
    code = {name: i for i, name in enumerate(names)}
    unit_index = {u.id: i for i, u in enumerate(us)}

    def arr(values: list[int]) -> I64:
        return np.array(values, dtype=np.int64)

    def flag(values: list[bool]) -> B:
        return np.array(values, dtype=np.bool_)

    acc_ptr = np.zeros(len(hs) + 1, dtype=np.int64)
    acc: list[int] = []
    for i, h in enumerate(hs):
        acc.extend(sorted({code[c] for c in h.acceptable_comuni}))
        acc_ptr[i + 1] = len(acc)
    unknown = pol.step_free_unknown_as
    priorities = [h.priority for h in hs]
    return Instance(
        seed=problem.seed,
        policy=pol,
        household_ids=[h.id for h in hs],
        unit_ids=[u.id for u in us],
        comuni=names,
        size=arr([h.size for h in hs]),
        level=dense_rank(priorities),
        position=order_position(
            seed=problem.seed, household_ids=[h.id for h in hs], priorities=priorities
        ),
        ceiling_cents=arr(
            [
                to_cents(h.max_rent_eur) + (pol.indigent_rent_support_cents if h.indigent else 0)
                for h in hs
            ]
        ),
        indigent=flag([h.indigent for h in hs]),
        category=arr([_CATEGORY[h.reserve_category] for h in hs]),
        needs_step_free=flag([h.needs_step_free for h in hs]),
        wheelchair=flag([bool(h.wheelchair) for h in hs]),
        pets=flag([h.pets for h in hs]),
        smoker=flag([h.smoker for h in hs]),
        accepts_as_is=flag([h.accepts_as_is for h in hs]),
        eligible=flag([h.eligible for h in hs]),
        latest_move_in=arr([_day(h.latest_move_in, _NO_DATE) for h in hs]),
        residence=arr([code.get(h.residence_comune or "", -1) for h in hs]),
        work=arr([code.get(h.work_comune or "", -1) for h in hs]),
        prefers_low_floor=flag([bool(h.prefers_low_floor) for h in hs]),
        months_waiting=arr([h.months_waiting or 0 for h in hs]),
        acc_ptr=acc_ptr,
        acc_comune=arr(acc),
        refused=[sorted(unit_index[r] for r in h.refused_units if r in unit_index) for h in hs],
        comune=arr([code[u.comune] for u in us]),
        area_tenths=arr([int(u.area_m2 * 10) for u in us]),
        cost_cents=arr(
            [
                to_cents(u.rent_eur)
                + (to_cents(u.charges_eur) if pol.affordability_includes_charges else 0)
                for u in us
            ]
        ),
        step_free=flag([unknown if u.step_free is None else u.step_free for u in us]),
        barrier_free=flag([unknown if u.barrier_free is None else u.barrier_free for u in us]),
        max_occupants=arr([_NO_DATE if u.max_occupants is None else u.max_occupants for u in us]),
        pets_allowed=flag([u.pets_allowed for u in us]),
        smoking_allowed=flag([u.smoking_allowed for u in us]),
        needs_works=flag([u.status == "needs_works" for u in us]),
        band_ok=flag([u.band_ok for u in us]),
        available_from=arr([_day(u.available_from, 0) for u in us]),
        bedrooms=arr([-1 if u.bedrooms is None else u.bedrooms for u in us]),
        floor=arr([-1 if u.floor is None else u.floor for u in us]),
        lift=flag([bool(u.lift) for u in us]),
        no_transit=flag([bool(u.no_transit) for u in us]),
        days_vacant=arr([u.days_vacant or 0 for u in us]),
    )
