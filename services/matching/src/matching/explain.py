"""Per-household explanations, a counterfactual, and the round's statistics and fairness figures."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

from matching.feasibility import GAPS_KEPT, REASONS, affordability_gaps
from matching.instance import I64
from matching.problem import Assignment, Result, Unmatched
from matching.scoring import pair_fit, pair_scores, rent_burden_bp

if TYPE_CHECKING:
    from matching.solver import Solution

DECILE_BP = 1000  # the top decile is a tenth of the households, by definition


def holders(unit_of: I64, n_units: int) -> I64:
    holder = np.full(n_units, -1, dtype=np.int64)
    matched = np.nonzero(unit_of >= 0)[0]
    holder[unit_of[matched]] = matched
    return holder


def envy(sol: Solution) -> dict[str, I64]:
    """Per household: feasible units held by lower, equal and higher priority households."""
    inst, feas = sol.inst, sol.feas
    holder = holders(sol.unit_of, inst.n_units)[feas.pair_u]
    held = holder >= 0
    mine = inst.level[feas.pair_h]
    theirs = np.where(held, inst.level[np.maximum(holder, 0)], 0)
    n = inst.n_households
    h = feas.pair_h
    return {
        "lower": np.bincount(h[held & (theirs < mine)], minlength=n).astype(np.int64),
        "same": np.bincount(h[held & (theirs == mine) & (holder != h)], minlength=n).astype(
            np.int64
        ),
        "higher": np.bincount(h[held & (theirs > mine)], minlength=n).astype(np.int64),
    }


def _forced_by(sol: Solution, quota: list[int]) -> dict[int, str]:
    """For each QUOTA household, the floor whose group holds one of its units at lower priority."""
    inst, feas = sol.inst, sol.feas
    holder = holders(sol.unit_of, inst.n_units)[feas.pair_u]
    mask = np.zeros(inst.n_households, dtype=np.bool_)
    mask[quota] = True
    rows = np.nonzero(mask[feas.pair_h] & (holder >= 0))[0]
    hs, other = feas.pair_h[rows], holder[rows]
    lower = inst.level[other] < inst.level[hs]
    named: dict[int, str] = {}
    for fl in reversed(sol.floors):
        hit = lower & fl.members[other]
        text = f"{fl.name} floor {fl.floor} of {inst.n_units} units"
        named.update(dict.fromkeys(hs[hit].tolist(), text))
    return named


def counterfactual(gaps: I64) -> str | None:
    """'With a ceiling €X higher, N more units would be feasible', X the smallest whole euros."""
    known = gaps[gaps >= 0]
    if known.size == 0:
        return None
    extra = int((known.min() + 99) // 100 * 100)
    more = int((known <= extra).sum())
    at_least = "at least " if more == GAPS_KEPT else ""
    unit = "unit" if more == 1 else "units"
    return f"with a ceiling €{extra // 100} higher, {at_least}{more} more {unit} would be feasible"


def _unmatched(sol: Solution, rows: dict[str, I64] | None) -> list[Unmatched]:
    inst, feas = sol.inst, sol.feas
    feasible = feas.feasible_count(inst.n_households)
    explain = rows is not None
    out: list[Unmatched] = []
    unmatched = np.nonzero(sol.unit_of < 0)[0]
    # The counterfactual is for households no unit admits: for the others the ceiling is not
    # what kept them out.
    none = unmatched[feasible[unmatched] == 0] if explain else unmatched[:0]
    gaps = dict(zip(none.tolist(), affordability_gaps(inst, none), strict=True))
    quota: list[int] = (
        [] if rows is None else np.nonzero((sol.unit_of < 0) & (rows["lower"] > 0))[0].tolist()
    )
    forced = _forced_by(sol, list(quota))
    for h in unmatched.tolist():
        excluded = {REASONS[r]: int(c) for r, c in enumerate(feas.excluded[h].tolist()) if c}
        cf = counterfactual(gaps[h]) if h in gaps else None
        if feasible[h] == 0:
            reason, detail = "NO_FEASIBLE_UNIT", "no unit passes every hard rule"
        elif rows is not None and rows["lower"][h]:
            reason = "QUOTA"
            detail = "displaced by the " + forced.get(h, "a quota floor")
        elif rows is not None and rows["same"][h]:
            reason = "LOST_TIE_LOTTERY"
            detail = "a household of the same priority won the seeded lottery"
        else:
            reason = "OUTRANKED"
            detail = "every feasible unit went to a household with higher priority"
        out.append(
            Unmatched(
                household_id=inst.household_ids[h],
                reason=reason,  # type: ignore[arg-type]
                feasible_units=int(feasible[h]),
                excluded_by=excluded,
                detail=detail,
                counterfactual=cf,
            )
        )
    out.sort(key=lambda m: m.household_id)
    return out


def fairness(sol: Solution, rows: dict[str, I64]) -> dict[str, Any]:
    """Justified envy (zero unless a floor forced it), fit envy, top-decile coverage, burden."""
    inst, feas, unit_of = sol.inst, sol.feas, sol.unit_of
    unmatched = unit_of < 0
    justified = int((unmatched & (rows["lower"] > 0)).sum())
    holder = holders(unit_of, inst.n_units)
    own_fit = np.full(inst.n_households, -1, dtype=np.int64)
    mine = unit_of[feas.pair_h] == feas.pair_u
    own_fit[feas.pair_h[mine]] = sol.fit[mine]
    other = holder[feas.pair_u]
    prefers = (
        (unit_of[feas.pair_h] >= 0)
        & (other >= 0)
        & (sol.fit > own_fit[feas.pair_h])
        & (inst.level[np.maximum(other, 0)] < inst.level[feas.pair_h])
    )
    decile = max(1, (inst.n_households * DECILE_BP + 9999) // 10000)
    top = inst.position < decile
    matched_h = np.nonzero(unit_of >= 0)[0]
    burden = rent_burden_bp(inst, h=matched_h, u=unit_of[matched_h])
    return {
        "justified_envy": justified,
        "fit_envy": int(np.unique(feas.pair_h[prefers]).size),
        "top_decile_coverage": round(float((~unmatched[top]).mean()), 4) if top.any() else None,
        "rent_burden_bp": {
            "median": int(np.median(burden)) if burden.size else None,
            "p90": int(np.percentile(burden, 90)) if burden.size else None,
            "max": int(burden.max()) if burden.size else None,
        },
    }


def stage1_value(sol: Solution) -> int:
    """Σ dense-rank weight of the matched households (the no-quota stage-1 objective)."""
    return int(sol.inst.level[sol.unit_of >= 0].sum())


def build_result(sol: Solution, *, explain: bool = True) -> Result:
    inst, feas = sol.inst, sol.feas
    matched = np.nonzero(sol.unit_of >= 0)[0]
    mh, mu = matched.astype(np.int32), sol.unit_of[matched].astype(np.int32)
    fits = pair_fit(inst, pair_h=mh, pair_u=mu)
    scores = {k: v.tolist() for k, v in pair_scores(inst, pair_h=mh, pair_u=mu).items()}
    assignments = [
        Assignment(
            household_id=inst.household_ids[h],
            unit_id=inst.unit_ids[int(sol.unit_of[h])],
            priority_weight=int(inst.level[h]),
            fit=int(f),
            scores={k: int(v[i]) for k, v in scores.items()},
        )
        for i, (h, f) in enumerate(zip(matched.tolist(), fits.tolist(), strict=True))
    ]
    assignments.sort(key=lambda a: a.household_id)
    rows = envy(sol)
    achieved = {fl.name: int((fl.members & (sol.unit_of >= 0)).sum()) for fl in sol.floors}
    stats: dict[str, Any] = {
        "households": inst.n_households,
        "units": inst.n_units,
        "feasible_pairs": feas.n_pairs,
        "matched": len(assignments),
        "objective": {"stage1": stage1_value(sol), "stage2_fit": int(fits.sum())},
        "quotas": {
            fl.name: {
                # First-round form: the year's units are this problem's units.
                "n_year": inst.n_units,
                "target": fl.target,
                "achievable": fl.achievable,
                "floor": fl.floor,
                "achieved": achieved[fl.name],
                "shortfall": max(0, fl.target - achieved[fl.name]),
            }
            for fl in sol.floors
        },
        "fairness": fairness(sol, rows),
        "solver": {k: round(v, 3) for k, v in sol.timings.items()} | {"swaps": sol.swaps},
        "policy_version": inst.policy.version,
        "seed_sha256": hashlib.sha256(str(inst.seed).encode()).hexdigest(),
    }
    return Result(
        status="optimal" if sol.optimal else "not_proven_optimal",
        assignments=assignments,
        unmatched=_unmatched(sol, rows if explain else None),
        stats=stats,
    )
