"""Eligibility per programme: the ISEE band and validity, SAP assets, the caseworker messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.eligibility import Reason, assess, assess_all, format_eur, format_m2
from registry.facts import (
    HouseholdFacts,
    Isee,
    Programme,
)
from registry.rules_policy import RegistryRules

MakeFacts = Callable[..., HouseholdFacts]
SAP, SAS, AGENCY = Programme.SAP, Programme.SAS, Programme.AGENCY


def _isee(euros: int, *, on: date = date(2026, 2, 1), scale: str = "1") -> Isee:
    return Isee(value_cents=euros * 100, issued_on=on, equivalence_scale=Decimal(scale))


def _reasons(facts: HouseholdFacts, rules: RegistryRules, today: date, p: Programme) -> set[Reason]:
    return set(assess(programme=p, facts=facts, rules=rules, today=today).reasons)


def test_baseline_household_is_eligible_everywhere(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    results = assess_all(facts=make_facts(), rules=rules, today=today)
    assert set(results) == {SAP, SAS, AGENCY}
    for result in results.values():
        assert result.eligible
        assert result.failures == ()
        assert result.eligible_until == date(2026, 12, 31)
        assert result.policy_version == rules.policy_version


def test_money_and_surface_formatting() -> None:
    assert format_eur(1_720_000) == "17,200"
    assert format_eur(1_720_050) == "17,200.50"
    assert format_eur(5) == "0.05"
    assert format_m2(600) == "60 m²"
    assert format_m2(725) == "72.5 m²"


# --- ISEE ---------------------------------------------------------------------------------------


def test_isee_above_sap_ceiling_message(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    result = assess(programme=SAP, facts=make_facts(isee=_isee(17_200)), rules=rules, today=today)
    assert not result.eligible
    assert result.eligible_until is None
    assert [(f.reason, f.message) for f in result.failures] == [
        (Reason.ISEE_ABOVE_MAX, "ISEE 17,200 > 16,000 SAP ceiling")
    ]


@pytest.mark.parametrize(
    ("programme", "ceiling_eur", "label"),
    [(SAP, 16_000, "SAP"), (SAS, 40_000, "SAS"), (AGENCY, 40_000, "agency")],
)
def test_isee_ceiling_is_inclusive_and_one_cent_more_fails(
    make_facts: MakeFacts,
    rules: RegistryRules,
    today: date,
    programme: Programme,
    ceiling_eur: int,
    label: str,
) -> None:
    at = Isee(
        value_cents=ceiling_eur * 100, issued_on=date(2026, 1, 10), equivalence_scale=Decimal(1)
    )
    over = at.model_copy(update={"value_cents": ceiling_eur * 100 + 1})
    assert assess(programme=programme, facts=make_facts(isee=at), rules=rules, today=today).eligible
    result = assess(programme=programme, facts=make_facts(isee=over), rules=rules, today=today)
    assert result.failures[0].message == (
        f"ISEE {format_eur(ceiling_eur * 100 + 1)} > {format_eur(ceiling_eur * 100)} {label} ceiling"
    )


@pytest.mark.parametrize("programme", [SAS, AGENCY])
def test_isee_floor(
    make_facts: MakeFacts, rules: RegistryRules, today: date, programme: Programme
) -> None:
    # The defaults have no floor; the legacy canone moderato floor was 14,000.
    key = "sas" if programme is SAS else "agency"
    section = getattr(rules, key).model_copy(update={"isee_min_cents": 1_400_000})
    raised = rules.model_copy(update={key: section})
    result = assess(
        programme=programme, facts=make_facts(isee=_isee(9_000)), rules=raised, today=today
    )
    assert [(f.reason, f.message) for f in result.failures] == [
        (Reason.ISEE_BELOW_MIN, f"ISEE 9,000 < 14,000 {key if key == 'agency' else 'SAS'} floor")
    ]


@pytest.mark.parametrize("programme", list(Programme))
def test_missing_isee_fails_every_programme(
    make_facts: MakeFacts, rules: RegistryRules, today: date, programme: Programme
) -> None:
    assert _reasons(make_facts(isee=None), rules, today, programme) == {Reason.ISEE_MISSING}


@pytest.mark.parametrize("programme", list(Programme))
def test_isee_valid_until_31_december_of_its_year(
    make_facts: MakeFacts, rules: RegistryRules, programme: Programme
) -> None:
    facts = make_facts(isee=_isee(9_000, on=date(2025, 12, 30)))
    on_last_day = assess(programme=programme, facts=facts, rules=rules, today=date(2025, 12, 31))
    assert on_last_day.eligible
    assert on_last_day.eligible_until == date(2025, 12, 31)
    next_day = assess(programme=programme, facts=facts, rules=rules, today=date(2026, 1, 1))
    assert next_day.reasons == (Reason.ISEE_EXPIRED,)
    assert next_day.failures[0].message == "ISEE of 2025-12-30 expired on 2025-12-31"


def test_isee_dated_in_the_future_fails(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    facts = make_facts(isee=_isee(9_000, on=date(2026, 12, 1)))
    assert _reasons(facts, rules, today, AGENCY) == {Reason.ISEE_DATE_IN_FUTURE}


# --- SAP assets (times the equivalence scale) ---------------------------------------------------


def test_sap_financial_assets_scale_with_the_equivalence_scale(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    isee = _isee(9_000, scale="1.57")  # ceiling 16,000 x 1.57 = 25,120
    at = make_facts(isee=isee, financial_assets_cents=2_512_000)
    assert assess(programme=SAP, facts=at, rules=rules, today=today).eligible
    over = make_facts(isee=isee, financial_assets_cents=2_512_001)
    result = assess(programme=SAP, facts=over, rules=rules, today=today)
    assert [(f.reason, f.message) for f in result.failures] == [
        (
            Reason.FINANCIAL_ASSETS_ABOVE_MAX,
            "financial assets 25,120.01 > 25,120 SAP ceiling (16,000 times equivalence scale 1.57)",
        )
    ]
    # The agency has no asset test: affordability does that work.
    assert assess(programme=AGENCY, facts=over, rules=rules, today=today).eligible


def test_sap_real_estate_assets_ceiling(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    facts = make_facts(isee=_isee(9_000, scale="2.04"), real_estate_assets_cents=4_488_001)
    assert _reasons(facts, rules, today, SAP) == {Reason.REAL_ESTATE_ASSETS_ABOVE_MAX}
    ok = make_facts(isee=_isee(9_000, scale="2.04"), real_estate_assets_cents=4_488_000)
    assert _reasons(ok, rules, today, SAP) == set()


def test_assets_not_checked_without_an_isee(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    facts = make_facts(isee=None, financial_assets_cents=10**9)
    assert _reasons(facts, rules, today, SAP) == {Reason.ISEE_MISSING}


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.integers(min_value=0, max_value=6_000_000), programme=st.sampled_from(Programme))
def test_isee_band_matches_integer_comparison(
    make_facts: MakeFacts, rules: RegistryRules, value: int, programme: Programme
) -> None:
    isee = Isee(value_cents=value, issued_on=date(2026, 2, 1), equivalence_scale=Decimal(1))
    result = assess(
        programme=programme, facts=make_facts(isee=isee), rules=rules, today=date(2026, 11, 25)
    )
    ceiling = {
        SAP: rules.sap.isee_max_cents,
        SAS: rules.sas.isee_max_cents,
        AGENCY: rules.agency.isee_max_cents,
    }[programme]
    assert result.eligible is (value <= ceiling)
    assert (Reason.ISEE_ABOVE_MAX in result.reasons) is (value > ceiling)
