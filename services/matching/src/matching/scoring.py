"""Stage-2 fit scores (DOMAIN.md §4.7): integers 0-100 per pair, weighted by the policy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from matching.instance import I32, I64, Instance

FULL = 100  # every score is out of 100 (DOMAIN.md §4.7)
# Fixed by the score's definition in DOMAIN.md §4.7, not policy thresholds.
BEDROOM_PENALTY = 25
LOW_FLOOR_FROM = 2

SCORES = ("affordability", "size_fit", "proximity", "refusal_risk", "vacancy", "waiting_time")


def _floor_ratio(num: I64, den: int | I64) -> I64:
    return np.minimum(FULL, (FULL * num) // np.maximum(den, 1))


def pair_scores(inst: Instance, *, pair_h: I32, pair_u: I32) -> dict[str, I64]:
    """Each §4.7 score for every pair, exact integer arithmetic (cents, tenths, basis points)."""
    pol, params = inst.policy, inst.policy.fit_params
    h = pair_h.astype(np.int64)
    u = pair_u.astype(np.int64)
    ceiling = inst.ceiling_cents[h]
    cost = inst.cost_cents[u]
    affordability = np.where(
        ceiling > 0, np.maximum(0, (FULL * (ceiling - cost)) // np.maximum(ceiling, 1)), 0
    )
    size = inst.size[h]
    minimum = np.array([pol.min_area(int(s)) for s in range(int(size.max(initial=1)) + 1)])[size]
    # ideal = (min + factor x min) / 2; compared in units of 1/20000 of a tenth of m2.
    den = minimum * (10000 + pol.under_occupation_factor_bp)
    num = np.abs(inst.area_tenths[u] * 20000 - den)
    deviation = (2 * FULL * num + den) // (2 * den)  # round half up
    extra_bedrooms = np.maximum(0, inst.bedrooms[u] - (size + 1) // 2)
    extra_bedrooms = np.where(inst.bedrooms[u] < 0, 0, extra_bedrooms)
    size_fit = np.maximum(0, FULL - deviation - BEDROOM_PENALTY * extra_bedrooms)
    comune = inst.comune[u]
    home = comune == inst.residence[h]
    work = comune == inst.work[h]
    proximity = np.where(
        home,
        params["proximity_same_residence"],
        np.where(work, params["proximity_same_work"], params["proximity_other"]),
    )
    known = inst.residence[h] >= 0
    capofila = inst.comuni.index(pol.capofila) if pol.capofila in inst.comuni else -2
    penalty = (
        params["risk_low_floor_pref_no_lift"]
        * (inst.prefers_low_floor[h] & (inst.floor[u] >= LOW_FLOOR_FROM) & ~inst.lift[u])
        + params["risk_other_comune"] * (known & ~home & ~work)
        + params["risk_city_to_small_comune"] * ((inst.residence[h] == capofila) & ~home)
        + params["risk_no_transit"] * inst.no_transit[u]
    )
    refusal_risk = np.maximum(0, FULL - penalty)
    vacancy = _floor_ratio(inst.days_vacant[u], params["vacancy_full_days"])
    waiting = _floor_ratio(inst.months_waiting[h], params["waiting_full_months"])
    return {
        "affordability": affordability.astype(np.int64),
        "size_fit": size_fit.astype(np.int64),
        "proximity": proximity.astype(np.int64),
        "refusal_risk": refusal_risk.astype(np.int64),
        "vacancy": vacancy.astype(np.int64),
        "waiting_time": waiting.astype(np.int64),
    }


def pair_fit(inst: Instance, *, pair_h: I32, pair_u: I32) -> I64:
    """fit = sum of fit_weights.k x score_k (weights without an implemented score count 0)."""
    weights = inst.policy.fit_weights
    total = np.zeros(pair_h.size, dtype=np.int64)
    for name, score in pair_scores(inst, pair_h=pair_h, pair_u=pair_u).items():
        total += weights.get(name, 0) * score
    return total


def rent_burden_bp(inst: Instance, *, h: npt.NDArray[np.int64], u: npt.NDArray[np.int64]) -> I64:
    """Cost as basis points of the ceiling (the ceiling already reflects the affordable share)."""
    return (inst.cost_cents[u] * 10000) // np.maximum(inst.ceiling_cents[h], 1)
