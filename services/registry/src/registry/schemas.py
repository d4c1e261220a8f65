"""The registry's request schemas: closed (extra="forbid"), bounded, never carrying status or priority."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from registry.facts import (
    Eviction,
    ExclusionEvent,
    HousingCondition,
    OwnedProperty,
    Permit,
    PriorPublicOwnership,
    Relation,
)
from shared.fiscal_codes import is_valid_codice_fiscale, normalize_codice_fiscale

Language = Literal["it", "en", "ro", "ar", "pa", "hi", "fr"]
Channel = Literal["email", "sms"]
Reference = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9/_.\-]+$")
]
ComuneName = Annotated[str, StringConstraints(min_length=1, max_length=80)]
# Names: letters, spaces, apostrophes, dots and hyphens; no control characters (§3.4).
PersonName = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=200, strip_whitespace=True, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
CodiceFiscale = Annotated[str, StringConstraints(min_length=1, max_length=16)]
Email = Annotated[
    str,
    StringConstraints(
        max_length=254, pattern=r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$"
    ),
]
Mobile = Annotated[str, StringConstraints(max_length=20, pattern=r"^\+?[0-9]{6,19}$")]
Cents = Annotated[int, Field(ge=0, le=100_000_000_00)]
Code = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisabilityIn(_Closed):
    """A certified disability: percentage or severe handicap; no diagnosis, no free text."""

    category: Literal["invalidity", "handicap", "other"] = "invalidity"
    disability_pct: int = Field(default=0, ge=0, le=100)
    severe_handicap: bool = False
    certificate_reference: Reference | None = None
    valid_until: date | None = None


class PersonIn(_Closed):
    given_name: PersonName
    family_name: PersonName
    codice_fiscale: CodiceFiscale
    birth_date: date
    disability: DisabilityIn | None = None

    @field_validator("codice_fiscale")
    @classmethod
    def _check_digit(cls, value: str) -> str:
        # The message never echoes the code (RELIABILITY §3.4).
        if not is_valid_codice_fiscale(value):
            raise ValueError("not a valid codice fiscale (format or check character)")
        return normalize_codice_fiscale(value)


class MemberIn(PersonIn):
    relation: Relation

    @field_validator("relation")
    @classmethod
    def _not_applicant(cls, value: Relation) -> Relation:
        if value is Relation.APPLICANT:
            raise ValueError("the applicant is given once, in `applicant`")
        return value


class LegalStatusIn(_Closed):
    citizenship: Literal["italian", "eu", "non_eu"]
    permit: Permit | None = None
    equal_treatment_by_law: bool = False
    regular_work: bool = False


class IseeIn(_Closed):
    value_cents: Cents
    issued_on: date
    equivalence_scale: Decimal = Field(gt=0, le=10, max_digits=6, decimal_places=4)


class CategoriesIn(_Closed):
    police_or_firefighter: bool = False
    local_category: bool = False
    sat_emergency: bool = False
    new_family: bool = False
    social_services_referral: bool = False


class NeedsIn(_Closed):
    step_free: bool = False
    wheelchair: bool = False
    low_floor: bool = False


class PreferencesIn(_Closed):
    acceptable_comuni: list[ComuneName] = Field(default_factory=list, max_length=47)
    max_rent_cents: Cents | None = None
    pets: bool = False
    smoker: bool = False
    latest_move_in: date | None = None
    accepts_as_is: bool = False


class ContactsIn(_Closed):
    email: Email | None = None
    mobile: Mobile | None = None
    preferred_channel: Channel | None = None


class ConsentsIn(_Closed):
    data_processing: bool = True
    contact_email: bool = False
    contact_sms: bool = False


class HouseholdFields(_Closed):
    """What a caseworker records about a household (DOMAIN §2.1 step 1, issue 5)."""

    reference: Reference
    applicant: PersonIn
    members: list[MemberIn] = Field(default_factory=list, max_length=19)
    residence_comune: ComuneName | None = None  # None: outside the Ambito
    work_comune: ComuneName | None = None
    resides_in_lombardy: bool = False
    works_in_lombardy: bool = False
    legal_status: LegalStatusIn
    isee: IseeIn | None = None
    net_monthly_income_cents: Cents | None = None
    rent_support_cents: Cents = 0
    financial_assets_cents: Cents = 0
    real_estate_assets_cents: Cents = 0
    properties: list[OwnedProperty] = Field(default_factory=list, max_length=20)
    exclusion_events: list[ExclusionEvent] = Field(default_factory=list, max_length=20)
    prior_public_ownership: PriorPublicOwnership | None = None
    eviction: Eviction | None = None
    housing_condition: HousingCondition = HousingCondition.ADEQUATE
    categories: CategoriesIn = Field(default_factory=CategoriesIn)
    isbar: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)
    needs: NeedsIn = Field(default_factory=NeedsIn)
    preferences: PreferencesIn = Field(default_factory=PreferencesIn)
    contacts: ContactsIn = Field(default_factory=ContactsIn)
    language: Language = "it"
    consents: ConsentsIn = Field(default_factory=ConsentsIn)


class HouseholdCreate(HouseholdFields):
    """Registration; `submit=false` keeps a draft that publishes nothing until submitted."""

    submit: bool = True


class HouseholdUpdate(_Closed):
    """A partial update (merge): each given field replaces the stored one; members replace all."""

    reference: Reference | None = None
    applicant: PersonIn | None = None
    members: list[MemberIn] | None = Field(default=None, max_length=19)
    residence_comune: ComuneName | None = None
    work_comune: ComuneName | None = None
    resides_in_lombardy: bool | None = None
    works_in_lombardy: bool | None = None
    legal_status: LegalStatusIn | None = None
    isee: IseeIn | None = None
    net_monthly_income_cents: Cents | None = None
    rent_support_cents: Cents | None = None
    financial_assets_cents: Cents | None = None
    real_estate_assets_cents: Cents | None = None
    properties: list[OwnedProperty] | None = Field(default=None, max_length=20)
    exclusion_events: list[ExclusionEvent] | None = Field(default=None, max_length=20)
    prior_public_ownership: PriorPublicOwnership | None = None
    eviction: Eviction | None = None
    housing_condition: HousingCondition | None = None
    categories: CategoriesIn | None = None
    isbar: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)
    needs: NeedsIn | None = None
    preferences: PreferencesIn | None = None
    contacts: ContactsIn | None = None
    language: Language | None = None
    consents: ConsentsIn | None = None


class StatusChangeIn(_Closed):
    """A caseworker's manual change of one programme's status (suspend, lift, exclude)."""

    programme: Literal["sap", "sas", "agency"]
    status: Literal["suspended", "excluded", "eligible"]
    reason_code: Code
    until: date | None = None


class WithdrawIn(_Closed):
    reason_code: Code = "household_request"


class LegalHoldIn(_Closed):
    hold: bool
    reason_code: Code


class ErasureIn(_Closed):
    reason_code: Code = "gdpr_art17"
