"""Every synthetic payload is one the services themselves accept (DOMAIN §6, issue 9)."""

from __future__ import annotations

import string
from collections import Counter
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from agency.synthetic import Ambito, generate_ambito
from agency.synthetic.identities import SYNTHETIC_PLACE_LETTER
from agency.synthetic.landlords import plan_landlords
from landlords.landlord_rules import validate_landlord
from landlords.schemas import LandlordCreate
from landlords.unit_rules import UnitChecker
from landlords.unit_schemas import UnitFilters
from registry.facts import Programme
from registry.profile import derive, validation_errors
from registry.rules_policy import load_registry_rules
from registry.schemas import HouseholdCreate, HouseholdFields
from shared.fiscal_codes import is_valid_codice_fiscale
from shared.policy import load_policy

TODAY = date(2026, 12, 4)
SEED = 2026
_MONTHS = "ABCDEHLMPRST"


@pytest.fixture(scope="module")
def demo() -> Ambito:
    return generate_ambito(scale="demo", seed=SEED, today=TODAY)


def _people(ambito: Ambito) -> list[dict[str, str]]:
    return [p for h in ambito.households for p in (h["applicant"], *h["members"])]


def test_registrations_validate_against_the_registry_and_are_all_agency_eligible(
    demo: Ambito,
) -> None:
    rules = load_registry_rules()
    eligible = 0
    for body in demo.households:
        created = HouseholdCreate.model_validate(body)
        fields = HouseholdFields.model_validate(created.model_dump(exclude={"submit"}))
        assert validation_errors(fields, rules=rules, today=TODAY, strict_isee=True) == []
        assessments = derive(fields, rules=rules, today=TODAY).assessments
        eligible += assessments[Programme.AGENCY].eligible
    assert len(demo.households) == 450
    # ISEE is clipped to the agency ceiling, everyone resides in the Ambito, permits are valid.
    assert eligible == len(demo.households)


def test_codici_fiscali_are_valid_unique_coherent_and_obviously_synthetic(demo: Ambito) -> None:
    people = _people(demo)
    codes = [p["codice_fiscale"] for p in people] + [
        landlord.onboarding["codice_fiscale"]
        for landlord in demo.landlords
        if landlord.onboarding["legal_form"] == "person"
    ]
    assert all(is_valid_codice_fiscale(c) for c in codes)
    assert len(set(codes)) == len(codes)
    # The birthplace letter X belongs to no real comune (A-M) or country (Z).
    assert {c[11] for c in codes} == {SYNTHETIC_PLACE_LETTER}
    for p in people:
        born = date.fromisoformat(p["birth_date"])
        code = p["codice_fiscale"]
        assert code[6:8] == f"{born.year % 100:02d}"
        assert code[8] == _MONTHS[born.month - 1]
        assert int(code[9:11]) % 40 == born.day
        assert all(c in string.ascii_uppercase for c in code[:6])


def test_contacts_are_synthetic(demo: Ambito) -> None:
    for body in demo.households:
        assert body["contacts"]["email"].endswith("@example.org")
        assert body["contacts"]["mobile"].startswith("+393")
        assert body["consents"]["contact_email"] is True
    emails = [b["contacts"]["email"] for b in demo.households]
    assert len(set(emails)) == len(emails)


def test_landlords_onboard_as_the_landlords_service_requires(demo: Ambito) -> None:
    for landlord in demo.landlords:
        body = LandlordCreate.model_validate(landlord.onboarding)
        assert validate_landlord(landlord=body) == []
        assert landlord.onboarding["email"].endswith("@example.org")
    assert sum(len(landlord.units) for landlord in demo.landlords) == 80


def test_landlord_size_classes_follow_85_10_5() -> None:
    policy = load_policy()
    plans = plan_landlords(np.random.default_rng(7), policy, 20_000)
    classes = Counter(p.size_class for p in plans)
    cfg = policy.section("generator.landlords")
    for size_class in ("small", "mid", "institutional"):
        share = classes[size_class] / len(plans)
        assert abs(share - float(cfg[f"{size_class}_share"])) <= 0.02
    small = [p.units for p in plans if p.size_class == "small"]
    assert abs(small.count(1) / len(small) - float(cfg["small_one_unit_share"])) <= 0.02
    assert {p.contract_type for p in plans if p.size_class != "institutional"} == {"concordato"}
    assert {p.contract_type for p in plans if p.size_class == "institutional"} == {
        "concordato",
        "sas",
    }


def test_units_pass_the_landlords_checks_with_rents_inside_their_bands() -> None:
    checker = UnitChecker.default()
    ambito = generate_ambito(scale="ambito_year", seed=SEED, today=TODAY)
    for row in ambito.units:
        unit, assessment, errors = checker.parse(raw=row)
        assert errors == (), (row["unit_reference"], errors)
        assert unit is not None
        assert assessment is not None
        assert assessment.band is not None
        assert assessment.band_checked
        assert assessment.band.contains(
            rent_cents=unit.rent_cents, surface_tenths=unit.rent_surface_tenths
        )
        assert set(row["filters"]) <= set(UnitFilters.model_fields)  # lawful filters only
    # The integer clamp only trims floating-point edges of the generator's band clip.
    assert ambito.rents_clamped <= len(ambito.units) // 20
    types = Counter(u["contract_type"] for u in ambito.units)
    assert types["concordato"] > 0


def test_same_seed_same_payloads_and_the_same_ambito_as_the_matching_generator() -> None:
    from matching.generator import generate_problem

    first = generate_ambito(scale="unit_test", seed=5, today=TODAY)
    again = generate_ambito(scale="unit_test", seed=5, today=TODAY)
    other = generate_ambito(scale="unit_test", seed=6, today=TODAY)
    assert first == again
    assert first.households != other.households
    problem = generate_problem(scale="unit_test", seed=5)
    for body, hh in zip(first.households, problem["households"], strict=True):
        assert 1 + len(body["members"]) == hh["size"]
        assert body["residence_comune"] == hh["residence_comune"]
        assert body["preferences"]["acceptable_comuni"] == hh["acceptable_comuni"]
    for row, unit in zip(first.units, problem["units"], strict=True):
        assert row["comune"] == unit["comune"]
        assert row["bedrooms"] == unit["bedrooms"]
        assert Decimal(row["monthly_rent_eur"]) == unit["rent_eur"]
