"""Affordability ceilings in integer cents: DOMAIN §4.11's worked example and rounding edges."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.affordability import (
    ceilings,
    household_ceilings,
    is_affordable,
    is_high_cost,
    is_indigent,
)
from registry.facts import HouseholdFacts
from registry.rules_policy import AffordabilityRules, RegistryRules

MakeFacts = Callable[..., HouseholdFacts]


@pytest.fixture
def aff(rules: RegistryRules) -> AffordabilityRules:
    return rules.affordability


def test_policy_is_read_as_basis_points_and_cents(aff: AffordabilityRules) -> None:
    assert aff.max_share_bp == 3000
    assert aff.hard_cap_bp == 4000
    assert aff.indigent_isee_max_cents == 300_000
    assert aff.indigent_rent_support_cents == 0


def test_worked_example_agency(aff: AffordabilityRules) -> None:
    a = ceilings(
        net_monthly_income_cents=120_000, rent_support_cents=0, isee_cents=900_000, rules=aff
    )
    assert a.max_rent_cents == 36_000
    assert a.max_rent_eur == Decimal("360.00")
    assert a.hard_ceiling_cents == 48_000
    assert a.hard_ceiling_eur == Decimal("480.00")
    assert a.affordability_share_bp == 3000
    assert not a.indigent
    # Rent 300 + charges 60 = 360: feasible at exactly 30.0 %; with charges of 61 it is not.
    assert is_affordable(cost_cents=30_000 + 6_000, affordability=a)
    assert not is_affordable(cost_cents=30_000 + 6_100, affordability=a)
    # SAP: 500 is not filtered but flagged above the 480 hard ceiling.
    assert is_high_cost(cost_cents=50_000, affordability=a)
    assert not is_high_cost(cost_cents=48_000, affordability=a)


def test_rent_support_is_added_after_the_floor(aff: AffordabilityRules) -> None:
    a = ceilings(
        net_monthly_income_cents=100_001, rent_support_cents=15_050, isee_cents=None, rules=aff
    )
    # floor(100001 x 0.30) = floor(30000.3) = 30000, then + 150.50
    assert a.max_rent_cents == 30_000 + 15_050
    assert a.hard_ceiling_cents == 40_000 + 15_050
    assert a.rent_support_cents == 15_050
    assert a.rent_support_eur == Decimal("150.50")


def test_floor_never_rounds_up(aff: AffordabilityRules) -> None:
    # 33,333 cents x 0.30 = 9,999.9: a float-based round would give 10,000.
    a = ceilings(net_monthly_income_cents=33_333, rent_support_cents=0, isee_cents=None, rules=aff)
    assert a.max_rent_cents == 9_999
    assert not is_affordable(cost_cents=10_000, affordability=a)


def test_zero_income_leaves_only_the_support(aff: AffordabilityRules) -> None:
    a = ceilings(net_monthly_income_cents=0, rent_support_cents=25_000, isee_cents=0, rules=aff)
    assert a.max_rent_cents == a.hard_ceiling_cents == 25_000


def test_indigent_threshold_is_inclusive(aff: AffordabilityRules) -> None:
    assert is_indigent(isee_cents=300_000, rules=aff)
    assert not is_indigent(isee_cents=300_001, rules=aff)
    assert not is_indigent(isee_cents=None, rules=aff)


def test_indigent_top_up_is_added_only_for_indigent_households(aff: AffordabilityRules) -> None:
    topped = aff.model_copy(update={"indigent_rent_support_cents": 20_000})
    poor = ceilings(
        net_monthly_income_cents=50_000, rent_support_cents=5_000, isee_cents=250_000, rules=topped
    )
    assert poor.indigent
    assert poor.rent_support_cents == 25_000
    assert poor.max_rent_cents == 15_000 + 25_000
    assert poor.hard_ceiling_cents == 20_000 + 25_000
    other = ceilings(
        net_monthly_income_cents=50_000, rent_support_cents=5_000, isee_cents=300_001, rules=topped
    )
    assert not other.indigent
    assert other.max_rent_cents == 15_000 + 5_000


def test_negative_inputs_are_refused(aff: AffordabilityRules) -> None:
    with pytest.raises(ValueError, match="negative"):
        ceilings(net_monthly_income_cents=-1, rent_support_cents=0, isee_cents=None, rules=aff)


def test_household_ceilings_reads_the_facts(make_facts: MakeFacts, aff: AffordabilityRules) -> None:
    a = household_ceilings(facts=make_facts(rent_support_cents=4_000), rules=aff)
    assert a is not None
    assert a.max_rent_cents == 36_000 + 4_000
    no_isee = household_ceilings(facts=make_facts(isee=None), rules=aff)
    assert no_isee is not None
    assert not no_isee.indigent


def test_no_ceiling_without_a_known_income(make_facts: MakeFacts, aff: AffordabilityRules) -> None:
    assert household_ceilings(facts=make_facts(net_monthly_income_cents=None), rules=aff) is None


@given(
    income=st.integers(min_value=0, max_value=10**9),
    support=st.integers(min_value=0, max_value=10**7),
    share_bp=st.integers(min_value=0, max_value=4000),
)
def test_ceiling_is_the_exact_integer_floor(income: int, support: int, share_bp: int) -> None:
    rules = AffordabilityRules(
        max_share_bp=share_bp,
        hard_cap_bp=4000,
        indigent_rent_support_cents=0,
        indigent_isee_max_cents=300_000,
    )
    a = ceilings(
        net_monthly_income_cents=income, rent_support_cents=support, isee_cents=None, rules=rules
    )
    base = a.max_rent_cents - support
    assert isinstance(base, int)
    # base is the largest integer with base x 10000 <= income x share (cross-multiplication).
    assert base * 10000 <= income * share_bp < (base + 1) * 10000
    assert a.max_rent_cents <= a.hard_ceiling_cents
    # A cost is affordable exactly when (cost - support) x 10000 <= income x share.
    for cost in (a.max_rent_cents, a.max_rent_cents + 1):
        expected = (cost - support) * 10000 <= income * share_bp
        assert is_affordable(cost_cents=cost, affordability=a) is expected
