"""Eligibility requirements beyond the ISEE: stay, territorial link, property, history, SAS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Literal

import pytest
from pydantic import ValidationError

from registry.eligibility import Reason, assess, format_m2
from registry.facts import (
    ExclusionEvent,
    HouseholdFacts,
    Isee,
    LegalStatus,
    Member,
    OwnedProperty,
    Permit,
    PriorPublicOwnership,
    Programme,
    Relation,
)
from registry.rules_policy import RegistryRules

MakeFacts = Callable[..., HouseholdFacts]
SAP, SAS, AGENCY = Programme.SAP, Programme.SAS, Programme.AGENCY
ExclusionKind = Literal["decadenza", "annulment", "termination", "squatting", "illicit_transfer"]


def _isee(euros: int, *, on: date = date(2026, 2, 1), scale: str = "1") -> Isee:
    return Isee(value_cents=euros * 100, issued_on=on, equivalence_scale=Decimal(scale))


def _reasons(facts: HouseholdFacts, rules: RegistryRules, today: date, p: Programme) -> set[Reason]:
    return set(assess(programme=p, facts=facts, rules=rules, today=today).reasons)


# --- SAP (a) citizenship and permit, agency regular stay ------------------------------------------


def _non_eu(permit: Permit | None, *, work: bool = True, equal: bool = False) -> LegalStatus:
    return LegalStatus(
        citizenship="non_eu", permit=permit, regular_work=work, equal_treatment_by_law=equal
    )


TWO_YEAR = Permit(kind="ordinary", valid_from=date(2025, 3, 1), valid_until=date(2027, 3, 1))
ONE_YEAR = Permit(kind="ordinary", valid_from=date(2026, 3, 1), valid_until=date(2027, 3, 1))
EXPIRED = Permit(kind="ordinary", valid_from=date(2023, 1, 1), valid_until=date(2026, 1, 1))
LONG_TERM = Permit(kind="eu_long_term", valid_from=date(2015, 1, 1))


@pytest.mark.parametrize(
    ("status", "sap_ok", "agency_ok", "message"),
    [
        (LegalStatus(citizenship="italian"), True, True, None),
        (LegalStatus(citizenship="eu"), True, True, None),
        (_non_eu(LONG_TERM, work=False), True, True, None),
        (_non_eu(TWO_YEAR), True, True, None),
        (_non_eu(None, equal=True), True, True, None),  # e.g. a recognised refugee
        (_non_eu(None), False, False, "non-EU applicant without a residence permit"),
        (_non_eu(ONE_YEAR), False, True, "residence permit valid less than 2 years"),
        (
            _non_eu(TWO_YEAR, work=False),
            False,
            True,
            "a 2-year residence permit also needs regular work",
        ),
        (_non_eu(EXPIRED), False, False, "residence permit expired on 2026-01-01"),
        (_non_eu(EXPIRED.model_copy(update={"renewal_pending": True})), True, True, None),
    ],
)
def test_citizenship_and_stay(
    make_facts: MakeFacts,
    rules: RegistryRules,
    today: date,
    status: LegalStatus,
    sap_ok: bool,
    agency_ok: bool,
    message: str | None,
) -> None:
    facts = make_facts(legal_status=status)
    sap = assess(programme=SAP, facts=facts, rules=rules, today=today)
    assert sap.eligible is sap_ok
    if message is not None and not sap_ok:
        assert [(f.reason, f.message) for f in sap.failures] == [
            (Reason.CITIZENSHIP_OR_PERMIT, message)
        ]
    agency = assess(programme=AGENCY, facts=facts, rules=rules, today=today)
    assert agency.eligible is agency_ok
    if not agency_ok:
        assert agency.reasons == (Reason.NO_REGULAR_STAY,)


def test_regular_stay_is_a_policy_switch(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    relaxed = rules.model_copy(
        update={"agency": rules.agency.model_copy(update={"requires_regular_stay": False})}
    )
    facts = make_facts(legal_status=_non_eu(None))
    assert assess(programme=AGENCY, facts=facts, rules=relaxed, today=today).eligible


# --- (b) territorial link: a fact at application, never a duration --------------------------------


def test_sap_needs_residence_or_work_in_lombardy(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    outside = make_facts(residence_comune="Piacenza", resides_in_lombardy=False)
    result = assess(programme=SAP, facts=outside, rules=rules, today=today)
    assert [(f.reason, f.message) for f in result.failures] == [
        (
            Reason.NO_TERRITORIAL_LINK,
            "neither residence nor work in Lombardy at the application date",
        )
    ]
    works_in_milan = make_facts(
        residence_comune="Piacenza", resides_in_lombardy=False, works_in_lombardy=True
    )
    assert assess(programme=SAP, facts=works_in_milan, rules=rules, today=today).eligible
    # Working in an Ambito comune is working in Lombardy even if the flag was not ticked.
    works_here = make_facts(
        residence_comune="Piacenza", resides_in_lombardy=False, work_comune="Soresina"
    )
    assert assess(programme=SAP, facts=works_here, rules=rules, today=today).eligible


def test_agency_needs_residence_or_work_in_the_ambito(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    milan = make_facts(residence_comune="Milano", resides_in_lombardy=True)
    result = assess(programme=AGENCY, facts=milan, rules=rules, today=today)
    assert [(f.reason, f.message) for f in result.failures] == [
        (
            Reason.NO_TERRITORIAL_LINK,
            "neither residence nor work in the Ambito di Cremona at the application date",
        )
    ]
    assert assess(programme=SAP, facts=milan, rules=rules, today=today).eligible
    commuter = make_facts(residence_comune="Milano", work_comune="Derovere")
    assert assess(programme=AGENCY, facts=commuter, rules=rules, today=today).eligible


def test_years_of_residence_cannot_even_be_given() -> None:
    fields = set(HouseholdFacts.model_fields)
    assert not {f for f in fields if "year" in f or "duration" in f or "since" in f}
    with pytest.raises(ValidationError):
        HouseholdFacts.model_validate(
            {
                "members": [{"birth_date": "1980-01-01", "relation": "applicant"}],
                "legal_status": {"citizenship": "italian"},
                "residence_years": 10,
            }
        )


# --- (d) adequate property ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "surface_tenths", "adequate"),
    [
        (1, 449, False),
        (1, 450, True),
        (3, 599, False),
        (3, 600, True),
        (9, 949, False),
        (9, 950, True),
    ],
)
def test_sap_adequate_property_by_household_size(
    make_facts: MakeFacts,
    rules: RegistryRules,
    today: date,
    size: int,
    surface_tenths: int,
    adequate: bool,
) -> None:
    applicant = Member(birth_date=date(1980, 1, 1), relation=Relation.APPLICANT)
    child = Member(birth_date=date(2010, 1, 1), relation=Relation.CHILD)
    members = (applicant, *[child] * (size - 1))
    facts = make_facts(
        members=members,
        properties=(OwnedProperty(surface_tenths=surface_tenths, location="abroad"),),
    )
    result = assess(programme=SAP, facts=facts, rules=rules, today=today)
    assert result.eligible is not adequate
    if adequate:
        minimum = format_m2(rules.sap.adequacy_min_tenths(size))
        assert result.failures[0].message == (
            f"owns an adequate dwelling in Italy or abroad: {format_m2(surface_tenths)} "
            f"≥ {minimum} for a household of {size}"
        )


@pytest.mark.parametrize(
    ("location", "agency_ok"), [("province", False), ("italy", True), ("abroad", True)]
)
def test_agency_property_scope_is_the_province(
    make_facts: MakeFacts,
    rules: RegistryRules,
    today: date,
    location: Literal["province", "italy", "abroad"],
    agency_ok: bool,
) -> None:
    facts = make_facts(properties=(OwnedProperty(surface_tenths=800, location=location),))
    assert assess(programme=AGENCY, facts=facts, rules=rules, today=today).eligible is agency_ok
    assert _reasons(facts, rules, today, SAP) == {Reason.ADEQUATE_PROPERTY_OWNED}


def test_agency_property_scope_italy(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    wider = rules.model_copy(
        update={"agency": rules.agency.model_copy(update={"property_scope": "italy"})}
    )
    facts = make_facts(properties=(OwnedProperty(surface_tenths=800, location="italy"),))
    assert _reasons(facts, wider, today, AGENCY) == {Reason.ADEQUATE_PROPERTY_OWNED}


# --- (e) exclusion events, (f) prior public ownership --------------------------------------------


@pytest.mark.parametrize(
    "kind", ["decadenza", "annulment", "termination", "squatting", "illicit_transfer"]
)
def test_exclusion_event_bars_sap_for_five_years(
    make_facts: MakeFacts, rules: RegistryRules, kind: ExclusionKind
) -> None:
    facts = make_facts(exclusion_events=(ExclusionEvent(kind=kind, occurred_on=date(2021, 6, 1)),))
    inside = assess(programme=SAP, facts=facts, rules=rules, today=date(2026, 5, 31))
    assert inside.reasons == (Reason.RECENT_EXCLUSION_EVENT,)
    assert inside.failures[0].message == (
        f"{kind.replace('_', ' ')} on 2021-06-01, within the last 5 years"
    )
    assert assess(programme=SAP, facts=facts, rules=rules, today=date(2026, 6, 1)).eligible
    assert assess(programme=AGENCY, facts=facts, rules=rules, today=date(2026, 5, 31)).eligible


def test_prior_public_ownership(make_facts: MakeFacts, rules: RegistryRules, today: date) -> None:
    kept = make_facts(prior_public_ownership=PriorPublicOwnership(lost_without_compensation=False))
    assert _reasons(kept, rules, today, SAP) == {Reason.PRIOR_PUBLIC_OWNERSHIP}
    lost = make_facts(prior_public_ownership=PriorPublicOwnership(lost_without_compensation=True))
    assert _reasons(lost, rules, today, SAP) == set()
    assert _reasons(kept, rules, today, AGENCY) == set()


# --- SAS borrows SAP b, d, e, f -------------------------------------------------------------------


def test_sas_applies_its_band_and_the_borrowed_sap_requirements(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    facts = make_facts(
        isee=_isee(30_000),
        residence_comune="Piacenza",
        resides_in_lombardy=False,
        properties=(OwnedProperty(surface_tenths=900, location="abroad"),),
        exclusion_events=(ExclusionEvent(kind="squatting", occurred_on=date(2024, 1, 1)),),
        prior_public_ownership=PriorPublicOwnership(lost_without_compensation=False),
        legal_status=_non_eu(ONE_YEAR),  # SAP (a) is not borrowed
    )
    assert _reasons(facts, rules, today, SAS) == {
        Reason.NO_TERRITORIAL_LINK,
        Reason.ADEQUATE_PROPERTY_OWNED,
        Reason.RECENT_EXCLUSION_EVENT,
        Reason.PRIOR_PUBLIC_OWNERSHIP,
    }
    only_band = rules.model_copy(
        update={"sas": rules.sas.model_copy(update={"sap_requirements": ()})}
    )
    assert _reasons(facts, only_band, today, SAS) == set()


def test_every_failure_is_reported_not_just_the_first(
    make_facts: MakeFacts, rules: RegistryRules, today: date
) -> None:
    facts = make_facts(
        isee=_isee(17_200, scale="1"),
        financial_assets_cents=2_000_000,
        residence_comune=None,
        resides_in_lombardy=False,
        legal_status=_non_eu(None),
    )
    assert _reasons(facts, rules, today, SAP) == {
        Reason.ISEE_ABOVE_MAX,
        Reason.FINANCIAL_ASSETS_ABOVE_MAX,
        Reason.NO_TERRITORIAL_LINK,
        Reason.CITIZENSHIP_OR_PERMIT,
    }
