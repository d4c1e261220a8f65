"""Household facts: validation at the model, and the registration-time input errors (HTTP 422)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from registry.facts import (
    HouseholdFacts,
    Isee,
    LegalStatus,
    Member,
    Permit,
    Relation,
    input_errors,
)
from registry.rules_policy import RegistryRules

MakeFacts = Callable[..., HouseholdFacts]


def _isee(euros: int, *, on: date) -> Isee:
    return Isee(value_cents=euros * 100, issued_on=on, equivalence_scale=Decimal(1))


# --- input errors (HTTP 422) --------------------------------------------------------------------


def test_input_errors(make_facts: MakeFacts, rules: RegistryRules, today: date) -> None:
    facts = make_facts(
        members=(
            Member(birth_date=date(1980, 1, 1), relation=Relation.APPLICANT),
            Member(birth_date=date(2027, 1, 1), relation=Relation.CHILD),
        ),
        isee=_isee(9_000, on=date(2024, 5, 1)),
        legal_status=LegalStatus(
            citizenship="non_eu",
            permit=Permit(
                kind="ordinary", valid_from=date(2026, 1, 1), valid_until=date(2025, 1, 1)
            ),
        ),
    )
    errors = input_errors(facts=facts, rules=rules, today=today)
    assert [(e.pointer, e.code) for e in errors] == [
        ("/members/1/birth_date", "birth_date_in_future"),
        ("/legal_status/permit/valid_until", "permit_dates_inverted"),
        ("/isee/issued_on", "isee_expired"),
    ]
    # Problem bodies never echo what was sent.
    assert not any("2027" in e.message or "2024" in e.message for e in errors)
    assert input_errors(facts=make_facts(), rules=rules, today=today) == []


def test_future_isee_is_an_input_error(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    facts = make_facts(isee=_isee(9_000, on=date(2026, 12, 1)))
    errors = input_errors(facts=facts, rules=rules, today=today)
    assert [(e.pointer, e.code) for e in errors] == [("/isee/issued_on", "isee_date_in_future")]


@pytest.mark.parametrize(
    "members",
    [
        (),
        (Member(birth_date=date(1980, 1, 1), relation=Relation.SPOUSE),),
        (
            Member(birth_date=date(1980, 1, 1), relation=Relation.APPLICANT),
            Member(birth_date=date(1981, 1, 1), relation=Relation.APPLICANT),
        ),
    ],
)
def test_a_household_has_exactly_one_applicant(
    make_facts: MakeFacts, members: tuple[Member, ...]
) -> None:
    with pytest.raises(ValidationError):
        make_facts(members=members)


def test_negative_money_is_rejected(make_facts: MakeFacts) -> None:
    with pytest.raises(ValidationError):
        make_facts(net_monthly_income_cents=-1)


def test_has_minors(make_facts: MakeFacts, today: date) -> None:
    applicant = Member(birth_date=date(1980, 1, 1), relation=Relation.APPLICANT)
    assert not make_facts(members=(applicant,)).has_minors(today=today)
    turning_18 = Member(birth_date=date(2008, 11, 26), relation=Relation.CHILD)
    assert make_facts(members=(applicant, turning_18)).has_minors(today=today)
    assert not make_facts(members=(applicant, turning_18)).has_minors(today=date(2026, 11, 26))


def test_net_income_is_optional_until_known(make_facts: MakeFacts) -> None:
    assert make_facts(net_monthly_income_cents=None).net_monthly_income_cents is None
