"""The household facts the registry's pure rules read: members, ISEE, income, property, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from registry.dates import age_on
from registry.rules_policy import RegistryRules
from shared.errors import FieldError

Cents = Annotated[int, Field(ge=0)]
# Codice civile art. 2: a minor is under 18. Law, not agency policy.
AGE_OF_MAJORITY = 18
SurfaceTenths = Annotated[int, Field(gt=0)]  # tenths of m² (DOMAIN §4.2): 45.5 m² -> 455


class Programme(StrEnum):
    SAP = "sap"
    SAS = "sas"
    AGENCY = "agency"


class Relation(StrEnum):
    APPLICANT = "applicant"
    SPOUSE = "spouse"
    PARTNER = "partner"  # unione civile or registered cohabitant
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class HousingCondition(StrEnum):
    ADEQUATE = "adequate"
    OVERCROWDED = "overcrowded"
    COHABITATION = "cohabitation"
    IMPROPER = "improper"
    UNHEALTHY = "unhealthy"
    HOMELESS = "homeless"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Member(_Frozen):
    birth_date: date
    relation: Relation
    disability_pct: int = Field(default=0, ge=0, le=100)
    # L. 104/1992 art. 3 c.3: severe regardless of the invalidity percentage.
    severe_handicap: bool = False


class Isee(_Frozen):
    value_cents: Cents
    issued_on: date  # the DSU filing date, which fixes the ISEE's validity
    equivalence_scale: Decimal = Field(gt=0, max_digits=6, decimal_places=4)


class Permit(_Frozen):
    kind: Literal["eu_long_term", "ordinary"]
    valid_from: date
    valid_until: date | None = None  # None: no expiry (EU long-term permit)
    renewal_pending: bool = False  # receipt of a timely renewal request keeps the stay regular


class LegalStatus(_Frozen):
    """The applicant's citizenship and stay, for SAP requirement (a) and the agency's regular stay."""

    citizenship: Literal["italian", "eu", "non_eu"]
    permit: Permit | None = None
    # Refugees, subsidiary protection and others the law treats as citizens for housing.
    equal_treatment_by_law: bool = False
    regular_work: bool = False


class OwnedProperty(_Frozen):
    """Ownership or another real right (usufruct, use, habitation) over a dwelling."""

    surface_tenths: SurfaceTenths
    location: Literal["province", "italy", "abroad"]  # "italy": elsewhere in Italy


class ExclusionEvent(_Frozen):
    """A past event that bars SAP access for the lookback period (requirement e)."""

    kind: Literal["decadenza", "annulment", "termination", "squatting", "illicit_transfer"]
    occurred_on: date


class PriorPublicOwnership(_Frozen):
    """A publicly funded dwelling once assigned to the household as owner (requirement f)."""

    lost_without_compensation: bool


class Eviction(_Frozen):
    kind: Literal["sfratto", "release_order"]
    ordered_on: date
    no_fault: bool = False  # morosità incolpevole


class HouseholdFacts(_Frozen):
    """Everything the eligibility, affordability and priority rules need about one household."""

    members: tuple[Member, ...] = Field(min_length=1)
    legal_status: LegalStatus
    residence_comune: str | None = None
    work_comune: str | None = None
    # At the application date only: no rule ever reads how long (C. cost. 44/2020).
    resides_in_lombardy: bool = False
    works_in_lombardy: bool = False
    isee: Isee | None = None
    net_monthly_income_cents: Cents | None = None  # from documents; ISEE is not income
    rent_support_cents: Cents = 0
    financial_assets_cents: Cents = 0
    real_estate_assets_cents: Cents = 0
    properties: tuple[OwnedProperty, ...] = ()
    exclusion_events: tuple[ExclusionEvent, ...] = ()
    prior_public_ownership: PriorPublicOwnership | None = None
    eviction: Eviction | None = None
    housing_condition: HousingCondition = HousingCondition.ADEQUATE
    new_family: bool = False
    social_services_referral: bool = False
    police_or_firefighter: bool = False
    local_category: bool = False
    sat_emergency: bool = False
    isbar: Decimal | None = Field(default=None, ge=0, le=100)  # as given by the regional platform

    @model_validator(mode="after")
    def _one_applicant(self) -> HouseholdFacts:
        applicants = sum(m.relation is Relation.APPLICANT for m in self.members)
        if applicants != 1:
            raise ValueError(f"a household has exactly one applicant, not {applicants}")
        return self

    @property
    def size(self) -> int:
        return len(self.members)

    def ages(self, *, today: date) -> list[int]:
        return [age_on(birth_date=m.birth_date, today=today) for m in self.members]

    def has_minors(self, *, today: date) -> bool:
        return any(age < AGE_OF_MAJORITY for age in self.ages(today=today))


def coherence_errors(*, facts: HouseholdFacts, today: date) -> list[FieldError]:
    """Facts that cannot be true on `today` (HTTP 422), as opposed to eligibility failures.

    Messages never echo the input (RELIABILITY: no PII in problem bodies).
    """
    errors = [
        FieldError(
            f"/members/{i}/birth_date",
            "birth_date_in_future",
            "the birth date is after today",
        )
        for i, m in enumerate(facts.members)
        if m.birth_date > today
    ]
    if facts.isee is not None and facts.isee.issued_on > today:
        errors.append(
            FieldError(
                "/isee/issued_on",
                "isee_date_in_future",
                "the ISEE date is after today",
            )
        )
    permit = facts.legal_status.permit
    if (
        permit is not None
        and permit.valid_until is not None
        and permit.valid_until < permit.valid_from
    ):
        errors.append(
            FieldError(
                "/legal_status/permit/valid_until",
                "permit_dates_inverted",
                "the permit expires before it starts",
            )
        )
    return errors


def input_errors(*, facts: HouseholdFacts, rules: RegistryRules, today: date) -> list[FieldError]:
    """Registration-time errors (HTTP 422): impossible facts and an ISEE older than policy allows."""
    errors = coherence_errors(facts=facts, today=today)
    if facts.isee is not None and rules.isee_valid_until(facts.isee.issued_on) < today:
        errors.append(
            FieldError(
                "/isee/issued_on",
                "isee_expired",
                f"the ISEE has expired (policy validity: {rules.isee_validity})",
            )
        )
    return errors
