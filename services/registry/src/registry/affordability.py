"""The affordability ceilings and the indigent flag sent to matching (DOMAIN §4.3 H6, §5.3)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from registry.facts import HouseholdFacts
from registry.rules_policy import AffordabilityRules
from shared.policy import cents_to_eur, floor_share


class Affordability(BaseModel):
    """A household's ceilings in integer cents, with the parts a what-if needs to vary the share."""

    model_config = ConfigDict(frozen=True)

    max_rent_cents: int = Field(ge=0)
    hard_ceiling_cents: int = Field(ge=0)
    rent_support_cents: int = Field(ge=0)  # household support plus any indigent top-up
    affordability_share_bp: int
    hard_cap_bp: int
    indigent: bool

    @property
    def max_rent_eur(self) -> Decimal:
        return cents_to_eur(self.max_rent_cents)

    @property
    def hard_ceiling_eur(self) -> Decimal:
        return cents_to_eur(self.hard_ceiling_cents)

    @property
    def rent_support_eur(self) -> Decimal:
        return cents_to_eur(self.rent_support_cents)


def is_indigent(*, isee_cents: int | None, rules: AffordabilityRules) -> bool:
    """ISEE at or below the indigent threshold; no ISEE on file is never indigent."""
    return isee_cents is not None and isee_cents <= rules.indigent_isee_max_cents


def ceilings(
    *,
    net_monthly_income_cents: int,
    rent_support_cents: int,
    isee_cents: int | None,
    rules: AffordabilityRules,
) -> Affordability:
    """max_rent = floor(income * share) + rent support; the hard ceiling uses the hard cap.

    Policy's `indigent_rent_support_cents` is added on top of the household's own support for
    indigent households: without it they could afford almost no concordato unit (DOMAIN H6).
    """
    if net_monthly_income_cents < 0 or rent_support_cents < 0:
        raise ValueError("income and rent support cannot be negative")
    indigent = is_indigent(isee_cents=isee_cents, rules=rules)
    support = rent_support_cents + (rules.indigent_rent_support_cents if indigent else 0)
    return Affordability(
        max_rent_cents=floor_share(net_monthly_income_cents, rules.max_share_bp) + support,
        hard_ceiling_cents=floor_share(net_monthly_income_cents, rules.hard_cap_bp) + support,
        rent_support_cents=support,
        affordability_share_bp=rules.max_share_bp,
        hard_cap_bp=rules.hard_cap_bp,
        indigent=indigent,
    )


def household_ceilings(*, facts: HouseholdFacts, rules: AffordabilityRules) -> Affordability | None:
    """The household's ceilings, or None while its net income is unknown (no agency rounds)."""
    if facts.net_monthly_income_cents is None:
        return None
    return ceilings(
        net_monthly_income_cents=facts.net_monthly_income_cents,
        rent_support_cents=facts.rent_support_cents,
        isee_cents=facts.isee.value_cents if facts.isee is not None else None,
        rules=rules,
    )


def is_affordable(*, cost_cents: int, affordability: Affordability) -> bool:
    """Agency/SAS H6: rent (plus charges, per policy) within the ceiling, both in cents."""
    return cost_cents <= affordability.max_rent_cents


def is_high_cost(*, cost_cents: int, affordability: Affordability) -> bool:
    """SAP flag: a cost above the hard ceiling makes a refusal on that ground justified."""
    return cost_cents > affordability.hard_ceiling_cents
