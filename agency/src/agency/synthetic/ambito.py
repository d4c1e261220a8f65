"""The synthetic Ambito di Cremona as API payloads, reproducible from (scale, seed, today)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from agency.synthetic.households import HouseholdBuilder
from agency.synthetic.identities import CodeBook
from agency.synthetic.landlords import LandlordPlan, onboarding_body, plan_landlords
from agency.synthetic.people import PersonMaker
from agency.synthetic.units import UnitBuilder
from landlords.rules_policy import rules_from_policy
from landlords.unit_rules import UnitChecker
from matching.generator import Territory, draw_households, scale_sizes
from matching.generator_units import generate_units
from shared.policy import Policy, load_policy

# The payload stream is separate from the matching generator's, so `generate_problem` at the
# same scale and seed describes the same households and units.
_PAYLOAD_STREAM = 1


@dataclass(frozen=True)
class SyntheticLandlord:
    index: int
    plan: LandlordPlan
    onboarding: dict[str, Any]
    units: list[dict[str, Any]]  # import rows (UnitCreate bodies)


@dataclass(frozen=True)
class Ambito:
    scale: str
    seed: int
    today: date
    households: list[dict[str, Any]]  # registration bodies (HouseholdCreate)
    landlords: list[SyntheticLandlord]
    rents_clamped: int  # units whose generated rent was moved into the band in integer cents

    @property
    def units(self) -> list[dict[str, Any]]:
        return [u for landlord in self.landlords for u in landlord.units]


def generate_ambito(
    *, scale: str, seed: int, today: date | None = None, policy: Policy | None = None
) -> Ambito:
    """Agency households and the units of the scale (policy [generator.scales]) as API bodies.

    `today` fixes birth dates, ISEE dates and permits (default: the current date); the same
    (scale, seed, today) always gives the same payloads.
    """
    pol = policy or load_policy()
    day = today or date.today()
    n_households, n_units = scale_sizes(scale, policy=pol)
    rng = np.random.default_rng([seed, n_households, n_units])
    terr = Territory(pol)
    draws = draw_households(rng, pol, terr, n_households, pool="agency")
    units = generate_units(rng, pol, terr, n_units)
    payload_rng = np.random.default_rng([seed, n_households, n_units, _PAYLOAD_STREAM])
    people = PersonMaker(
        rng=payload_rng,
        today=day,
        codes=CodeBook(),
        female_share=float(pol.value("generator.payloads.female_share")),
    )
    builder = HouseholdBuilder(
        policy=pol, terr=terr, draws=draws, people=people, rng=payload_rng, seed=seed
    )
    households = [builder.build(i) for i in range(n_households)]
    unit_builder = UnitBuilder(
        checker=UnitChecker.from_rules(rules_from_policy(pol)), rng=payload_rng, seed=seed
    )
    landlords: list[SyntheticLandlord] = []
    start = 0
    for k, plan in enumerate(plan_landlords(payload_rng, pol, n_units)):
        rows = [
            unit_builder.build(j, units[j], contract_type=plan.contract_type)
            for j in range(start, start + plan.units)
        ]
        start += plan.units
        body = onboarding_body(k, plan, people=people, policy=pol, seed=seed)
        landlords.append(SyntheticLandlord(index=k, plan=plan, onboarding=body, units=rows))
    return Ambito(
        scale=scale,
        seed=seed,
        today=day,
        households=households,
        landlords=landlords,
        rents_clamped=unit_builder.clamped,
    )
