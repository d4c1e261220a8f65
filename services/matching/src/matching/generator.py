"""Synthetic matching problems following DOMAIN.md §6, reproducible from a seed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.policy import Policy, load_policy, to_bp


def scale_sizes(scale: str, *, policy: Policy | None = None) -> tuple[int, int]:
    """(households, units) of a named scale of the policy's [generator.scales]."""
    table = (policy or load_policy()).section("generator.scales")
    if scale not in table:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(sorted(table))}")
    row = table[scale]
    return int(row["agency_households"]), int(row["agency_units"])


def _f(section: dict[str, Any], key: str) -> float:
    return float(section[key])


def money(cents: npt.NDArray[np.int64]) -> list[Decimal]:
    return [Decimal(int(c)).scaleb(-2) for c in cents.tolist()]


class Territory:
    def __init__(self, policy: Policy) -> None:
        capofila = str(policy.value("territory.capofila"))
        comuni = sorted(policy.comuni, key=lambda c: c.name)
        self.names = [c.name for c in comuni]
        self.capofila = self.names.index(capofila)
        pop = np.array([c.population for c in comuni], dtype=np.float64)
        self.pop_all = pop / pop.sum()
        others = pop.copy()
        others[self.capofila] = 0
        self.pop_others = others / others.sum()

    def draw(
        self, rng: np.random.Generator, n: int, capofila_share: float
    ) -> npt.NDArray[np.int64]:
        other = rng.choice(len(self.names), size=n, p=self.pop_others)
        return np.where(rng.random(n) < capofila_share, self.capofila, other).astype(np.int64)


@dataclass(frozen=True)
class HouseholdDraws:
    """The per-household draws of DOMAIN §6.3, index-aligned; API payloads are built from these."""

    residence: npt.NDArray[np.int64]
    work: npt.NDArray[np.int64]  # -1: works in the residence comune or not at all
    sizes: npt.NDArray[np.int64]
    old: npt.NDArray[np.bool_]
    very_old: npt.NDArray[np.bool_]
    disabled: npt.NDArray[np.bool_]
    severe: npt.NDArray[np.bool_]
    step_free: npt.NDArray[np.bool_]
    wheelchair: npt.NDArray[np.bool_]
    events: dict[str, npt.NDArray[np.bool_]]
    priority: npt.NDArray[np.int64]
    isee_eur: npt.NDArray[np.float64]
    indigent: npt.NDArray[np.bool_]
    income_cents: npt.NDArray[np.int64]
    ceiling_cents: npt.NDArray[np.int64]
    months_waiting: npt.NDArray[np.int64]
    pets: npt.NDArray[np.bool_]
    smoker: npt.NDArray[np.bool_]
    low_floor: npt.NDArray[np.bool_]
    acceptable: list[list[int]]  # comune indices, sorted by name


def draw_households(
    rng: np.random.Generator, policy: Policy, terr: Territory, n: int, *, pool: str
) -> HouseholdDraws:
    gen = policy.section("generator.households")
    flags = policy.section("generator.households.flags")
    isee_cfg = policy.section("generator.households.isee")
    prio = policy.section("priority")
    res = terr.draw(rng, n, _f(policy.section("generator.territory"), "household_cremona_share"))
    works_out = rng.random(n) < _f(gen, "works_outside_residence")
    work = np.where(
        rng.random(n) < _f(gen, "works_in_cremona_if_outside"),
        terr.capofila,
        rng.choice(len(terr.names), size=n, p=terr.pop_others),
    )
    work = np.where(works_out & (work != res), work, -1)
    shares = gen["size_share"]
    sizes = rng.choice(
        [int(k) for k in shares], size=n, p=norm([float(v) for v in shares.values()])
    )
    split = gen["size_6plus_split"]
    big = rng.choice([int(k) for k in split], size=n, p=norm([float(v) for v in split.values()]))
    sizes = np.where(sizes >= 6, big, sizes)
    p = {k: _f(flags, k) for k in flags}
    old = rng.random(n) < p["age_65_plus"]
    very_old = old & (rng.random(n) < p["age_75_plus"] / p["age_65_plus"])
    disabled = rng.random(n) < p["disabled"]
    severe = disabled & (rng.random(n) < p["disabled_severe"] / p["disabled"])
    step_free = rng.random(n) < p["needs_step_free"]
    wheelchair = step_free & (rng.random(n) < p["wheelchair"] / p["needs_step_free"])
    events = {
        k: rng.random(n) < p[k]
        for k in (
            "new_family",
            "single_parent_with_minors",
            "eviction_in_progress",
            "overcrowded",
            "social_services_referral",
        )
    }
    score = (
        int(prio["eviction_or_release_order"]) * events["eviction_in_progress"]
        + int(prio["disability_severe"]) * severe
        + int(prio["disability_other"]) * (disabled & ~severe)
        + int(prio["age_75_plus"]) * very_old
        + int(prio["age_65_plus"]) * (old & ~very_old)
        + int(prio["single_parent_with_minors"]) * events["single_parent_with_minors"]
        + int(prio["overcrowding_or_cohabitation"]) * events["overcrowded"]
        + int(prio["new_family"]) * events["new_family"]
        + int(prio["social_services_referral"]) * events["social_services_referral"]
    )
    score = np.minimum(score, int(prio["priority_score_max"]))
    if pool == "sap":
        lo, hi = (float(x) for x in isee_cfg["sap_range_eur"])
        indigent = rng.random(n) < _f(isee_cfg, "sap_indigent_share")
        isee_max = float(policy.value("eligibility_sap.indigent_isee_max"))
        isee = np.where(indigent, rng.uniform(0, isee_max, n), rng.uniform(lo, hi, n))
    else:
        lo, hi = (float(x) for x in isee_cfg["agency_clip_eur"])
        isee = np.clip(
            rng.lognormal(
                np.log(_f(isee_cfg, "agency_median_eur")), _f(isee_cfg, "agency_sigma"), n
            ),
            lo,
            hi,
        )
        indigent = isee <= float(policy.value("eligibility_sap.indigent_isee_max"))
    scale = [float(x) for x in isee_cfg["equivalence_scale"]]
    extra = _f(isee_cfg, "equivalence_scale_extra_member")
    eq = np.array([scale[min(s, len(scale)) - 1] + extra * max(0, s - len(scale)) for s in sizes])
    noise = _f(isee_cfg, "income_noise")
    income_cents = np.floor(isee * eq * rng.uniform(1 - noise, 1 + noise, n) / 12 * 100)
    share_bp = to_bp(policy.value("affordability.affordability_max_share"))
    ceiling = (income_cents.astype(np.int64) * share_bp) // 10000
    extra_mean = _f(gen, "extra_acceptable_comuni_mean")
    extras = rng.poisson(extra_mean, n)
    spread = int(gen["application_spread_months"])
    months = rng.integers(0, spread + 1, n)
    pets = rng.random(n) < p["pets"]
    smoker = rng.random(n) < p["smoker"]
    low_floor = rng.random(n) < p["prefers_low_floor"]
    accept_city = rng.random(n) < _f(gen, "accept_cremona_prob")
    city_other = rng.random(n) < _f(gen, "cremona_resident_accepts_other_prob")
    other_draw = rng.choice(len(terr.names), size=n, p=terr.pop_others)
    acceptable: list[list[int]] = []
    for i in range(n):
        acc = {int(res[i])}
        if work[i] >= 0:
            acc.add(int(work[i]))
        if res[i] != terr.capofila and accept_city[i]:
            acc.add(terr.capofila)
        if res[i] == terr.capofila and city_other[i]:
            acc.add(int(other_draw[i]))
        if extras[i]:
            acc.update(rng.choice(len(terr.names), size=int(extras[i]), p=terr.pop_all).tolist())
        acceptable.append(sorted(acc, key=lambda c: terr.names[c]))
    return HouseholdDraws(
        residence=res.astype(np.int64),
        work=work.astype(np.int64),
        sizes=sizes.astype(np.int64),
        old=old,
        very_old=very_old,
        disabled=disabled,
        severe=severe,
        step_free=step_free,
        wheelchair=wheelchair,
        events=events,
        priority=score.astype(np.int64),
        isee_eur=isee.astype(np.float64),
        indigent=indigent,
        income_cents=income_cents.astype(np.int64),
        ceiling_cents=ceiling.astype(np.int64),
        months_waiting=months.astype(np.int64),
        pets=pets,
        smoker=smoker,
        low_floor=low_floor,
        acceptable=acceptable,
    )


def generate_households(
    rng: np.random.Generator, policy: Policy, terr: Territory, n: int, *, pool: str
) -> list[dict[str, Any]]:
    d = draw_households(rng, policy, terr, n, pool=pool)
    ceilings = money(d.ceiling_cents)
    return [
        {
            "id": f"hh-{i:06d}",
            "size": int(d.sizes[i]),
            "priority": int(d.priority[i]),
            "max_rent_eur": ceilings[i],
            "indigent": bool(d.indigent[i]),
            "needs_step_free": bool(d.step_free[i]),
            "wheelchair": bool(d.wheelchair[i]),
            "acceptable_comuni": [terr.names[c] for c in d.acceptable[i]],
            "pets": bool(d.pets[i]),
            "smoker": bool(d.smoker[i]),
            "prefers_low_floor": bool(d.low_floor[i]),
            "residence_comune": terr.names[int(d.residence[i])],
            "work_comune": terr.names[int(d.work[i])] if d.work[i] >= 0 else None,
            "months_waiting": int(d.months_waiting[i]),
        }
        for i in range(n)
    ]


def norm(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


def generate_problem(
    *,
    scale: str,
    seed: int | None = None,
    pool: str = "agency",
    policy: Policy | None = None,
    overrides: dict[str, Any] | None = None,
    police_share: float = 0.0,
) -> dict[str, Any]:
    """A `matching-solve` problem at a named scale; `pool="sap"` draws the SAP pool's ISEE
    (20 % indigent). `police_share` flags that share of households for the police reserve."""
    from matching.generator_units import generate_units

    pol = policy or load_policy()
    seed = int(pol.value("generator.seed")) if seed is None else seed
    n_households, n_units = scale_sizes(scale, policy=pol)
    rng = np.random.default_rng([seed, n_households, n_units])
    terr = Territory(pol)
    households = generate_households(rng, pol, terr, n_households, pool=pool)
    if police_share > 0:
        for i in np.nonzero(rng.random(n_households) < police_share)[0].tolist():
            households[i]["reserve_category"] = "police"
    units = generate_units(rng, pol, terr, n_units)
    return {"seed": seed, "policy": dict(overrides or {}), "households": households, "units": units}
