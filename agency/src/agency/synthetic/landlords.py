"""Landlords (onboarding bodies) and how many units each lets: 85/10/5 % small/mid/institutional."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agency.synthetic.identities import partita_iva
from agency.synthetic.names import COMPANY_FORMS, INSTITUTIONS, ITALIAN
from agency.synthetic.people import PersonMaker
from matching.generator import norm
from shared.policy import Policy

_CLASSES = ("small", "mid", "institutional")


@dataclass(frozen=True)
class LandlordPlan:
    size_class: str
    units: int
    contract_type: str  # "concordato" (agency) or "sas" (SAS operators)


def plan_landlords(rng: np.random.Generator, policy: Policy, n_units: int) -> list[LandlordPlan]:
    """Draw landlords until they hold `n_units` units; the last one's share is cut to fit."""
    cfg = policy.section("generator.landlords")
    p = norm([float(cfg[f"{c}_share"]) for c in _CLASSES])
    plans: list[LandlordPlan] = []
    left = n_units
    while left > 0:
        size_class = _CLASSES[int(rng.choice(len(_CLASSES), p=p))]
        if size_class == "small":
            lo, hi = (int(x) for x in cfg["small_units"])
            count = lo if rng.random() < float(cfg["small_one_unit_share"]) else hi
        else:
            lo, hi = (int(x) for x in cfg[f"{size_class}_units"])
            count = int(rng.integers(lo, hi + 1))
        sas = size_class == "institutional" and rng.random() < float(cfg["institutional_sas_share"])
        count = min(count, left)
        left -= count
        plans.append(LandlordPlan(size_class, count, "sas" if sas else "concordato"))
    return plans


def onboarding_body(
    k: int, plan: LandlordPlan, *, people: PersonMaker, policy: Policy, seed: int
) -> dict[str, Any]:
    """A caseworker's POST /v1/landlords body for landlord `k`."""
    rng = people.rng
    cfg = policy.section("generator.landlords")
    email = f"landlord.{seed}.{k}@example.org"
    phone = f"+393{int(rng.integers(10**8, 10**9)):09d}"
    organisation = plan.size_class == "institutional" or (
        plan.size_class == "mid" and rng.random() < float(cfg["mid_organisation_share"])
    )
    if not organisation:
        lo, hi = (int(x) for x in policy.section("generator.payloads")["landlord_age_range"])
        age = int(rng.integers(lo, hi + 1))
        person = people.person(ITALIAN, age=age, female=None)
        return {
            "legal_form": "person",
            "kind": "private",
            "display_name": f"{person.given_name} {person.family_name}",
            "codice_fiscale": person.codice_fiscale,
            "email": email,
            "phone": phone,
            "preferred_channel": "email",
            "language": "it",
        }
    name = people.pick(ITALIAN.family)
    forms: tuple[str, ...] = COMPANY_FORMS
    kind = "private"
    if plan.size_class == "institutional":
        kind = "sas_operator" if plan.contract_type == "sas" else "cooperative"
        forms = INSTITUTIONS[kind]
    piva = partita_iva(k, seed=seed)
    return {
        "legal_form": "organisation",
        "kind": kind,
        "display_name": forms[int(rng.integers(len(forms)))].format(name=name),
        "partita_iva": piva,
        "codice_fiscale": piva,
        "email": email,
        "phone": phone,
        "preferred_channel": "email",
        "language": "it",
    }
