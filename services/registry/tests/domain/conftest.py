"""Fixtures for the registry's pure domain rules: the default policy and a household builder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from registry.facts import HouseholdFacts, Isee, LegalStatus, Member, Relation
from registry.rules_policy import RegistryRules, load_registry_rules

TODAY = date(2026, 11, 25)

MakeFacts = Callable[..., HouseholdFacts]


@pytest.fixture(scope="session")
def rules() -> RegistryRules:
    return load_registry_rules()


@pytest.fixture
def today() -> date:
    return TODAY


def _default_fields() -> dict[str, Any]:
    """An Italian single adult in Cremona, eligible for every programme under the defaults."""
    return {
        "members": (Member(birth_date=date(1980, 5, 17), relation=Relation.APPLICANT),),
        "legal_status": LegalStatus(citizenship="italian"),
        "residence_comune": "Cremona",
        "resides_in_lombardy": True,
        "isee": Isee(
            value_cents=900_000, issued_on=date(2026, 2, 1), equivalence_scale=Decimal("1")
        ),
        "net_monthly_income_cents": 120_000,
    }


@pytest.fixture
def make_facts() -> MakeFacts:
    def build(**overrides: Any) -> HouseholdFacts:
        return HouseholdFacts(**{**_default_fields(), **overrides})

    return build
