"""From what the caseworker recorded to the rules' facts and the pseudonymous matching profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from registry.affordability import Affordability, household_ceilings
from registry.eligibility import Assessment, assess_all
from registry.facts import (
    HouseholdFacts,
    Isee,
    LegalStatus,
    Member,
    Programme,
    Relation,
    coherence_errors,
    input_errors,
)
from registry.priority import Priority, compute_priority
from registry.rules_policy import RegistryRules
from registry.schemas import HouseholdFields, PersonIn
from shared.errors import FieldError
from shared.events.registry import MatchingProfile, ProgrammeEligibility, ReserveCategory
from shared.policy import cents_to_eur


def _member(person: PersonIn, relation: Relation) -> Member:
    disability = person.disability
    return Member(
        birth_date=person.birth_date,
        relation=relation,
        disability_pct=disability.disability_pct if disability else 0,
        severe_handicap=disability.severe_handicap if disability else False,
    )


def to_facts(fields: HouseholdFields) -> HouseholdFacts:
    members = (
        _member(fields.applicant, Relation.APPLICANT),
        *(_member(m, m.relation) for m in fields.members),
    )
    cats = fields.categories
    return HouseholdFacts(
        members=members,
        legal_status=LegalStatus(**fields.legal_status.model_dump()),
        residence_comune=fields.residence_comune,
        work_comune=fields.work_comune,
        resides_in_lombardy=fields.resides_in_lombardy,
        works_in_lombardy=fields.works_in_lombardy,
        isee=Isee(**fields.isee.model_dump()) if fields.isee else None,
        net_monthly_income_cents=fields.net_monthly_income_cents,
        rent_support_cents=fields.rent_support_cents,
        financial_assets_cents=fields.financial_assets_cents,
        real_estate_assets_cents=fields.real_estate_assets_cents,
        properties=tuple(fields.properties),
        exclusion_events=tuple(fields.exclusion_events),
        prior_public_ownership=fields.prior_public_ownership,
        eviction=fields.eviction,
        housing_condition=fields.housing_condition,
        new_family=cats.new_family,
        social_services_referral=cats.social_services_referral,
        police_or_firefighter=cats.police_or_firefighter,
        local_category=cats.local_category,
        sat_emergency=cats.sat_emergency,
        isbar=fields.isbar,
    )


def validation_errors(
    fields: HouseholdFields, *, rules: RegistryRules, today: date, strict_isee: bool
) -> list[FieldError]:
    """422s: comuni outside the Ambito, duplicate codes inside the household, incoherent facts.

    Pointers are rebased onto the request body; messages never echo the input.
    """
    errors: list[FieldError] = []
    for name in ("residence_comune", "work_comune"):
        value = getattr(fields, name)
        if value is not None and value not in rules.ambito_comuni:
            errors.append(
                FieldError(
                    f"/body/{name}",
                    "comune_not_in_ambito",
                    "Must be one of the 47 comuni of the Ambito (leave empty if outside)",
                )
            )
    for i, comune in enumerate(fields.preferences.acceptable_comuni):
        if comune not in rules.ambito_comuni:
            errors.append(
                FieldError(
                    f"/body/preferences/acceptable_comuni/{i}",
                    "comune_not_in_ambito",
                    "Must be one of the 47 comuni of the Ambito",
                )
            )
    seen: set[str] = {fields.applicant.codice_fiscale}
    for i, m in enumerate(fields.members):
        if m.codice_fiscale in seen:
            errors.append(
                FieldError(
                    f"/body/members/{i}/codice_fiscale",
                    "duplicate_in_household",
                    "the same codice fiscale appears twice in the household",
                )
            )
        seen.add(m.codice_fiscale)
    if fields.needs.wheelchair and not fields.needs.step_free:
        errors.append(
            FieldError(
                "/body/needs/step_free",
                "wheelchair_needs_step_free",
                "a wheelchair user also needs step-free access",
            )
        )
    facts = to_facts(fields)
    found = (
        input_errors(facts=facts, rules=rules, today=today)
        if strict_isee
        else coherence_errors(facts=facts, today=today)
    )
    errors += [_rebase(e) for e in found]
    return errors


def _rebase(error: FieldError) -> FieldError:
    pointer = error.pointer
    if pointer.startswith("/members/"):
        index = int(pointer.split("/")[2])
        rest = "/".join(pointer.split("/")[3:])
        pointer = "/applicant/" + rest if index == 0 else f"/members/{index - 1}/{rest}"
    return FieldError("/body" + pointer, error.code, error.message)


@dataclass(frozen=True)
class Derived:
    """Everything the rules compute from one version of a household."""

    facts: HouseholdFacts
    assessments: dict[Programme, Assessment]
    priority: Priority
    affordability: Affordability | None


def derive(fields: HouseholdFields, *, rules: RegistryRules, today: date) -> Derived:
    facts = to_facts(fields)
    return Derived(
        facts=facts,
        assessments=assess_all(facts=facts, rules=rules, today=today),
        priority=compute_priority(facts=facts, rules=rules.priority, today=today),
        affordability=household_ceilings(facts=facts, rules=rules.affordability),
    )


def acceptable_comuni(fields: HouseholdFields) -> tuple[str, ...]:
    """Declared comuni, else residence and work (policy `agency_default_acceptable`)."""
    declared = fields.preferences.acceptable_comuni
    if declared:
        return tuple(dict.fromkeys(declared))
    return tuple(c for c in dict.fromkeys([fields.residence_comune, fields.work_comune]) if c)


def matching_profile(
    fields: HouseholdFields,
    *,
    derived: Derived,
    statuses: dict[str, str],
    application_time: datetime,
    legal_hold: bool,
    today: date,
) -> MatchingProfile:
    """DOMAIN §5.3: derived values only; no identity, no exact ISEE or income, no categories."""
    aff = derived.affordability
    cats = fields.categories
    reserve: ReserveCategory | None = (
        "police_firefighter"
        if cats.police_or_firefighter
        else "local_category"
        if cats.local_category
        else None
    )
    return MatchingProfile(
        programmes=tuple(
            ProgrammeEligibility(
                programme=p.value,
                eligible=a.eligible,
                status=statuses.get(p.value, "draft"),  # type: ignore[arg-type]
                reason_codes=tuple(r.value for r in a.reasons),
                eligible_until=a.eligible_until,
            )
            for p, a in derived.assessments.items()
        ),
        size=derived.facts.size,
        has_minors=derived.facts.has_minors(today=today),
        priority=derived.priority.score,
        isbar=fields.isbar,
        application_time=application_time,
        indigent=aff.indigent if aff else False,
        max_rent_eur=aff.max_rent_eur if aff else None,
        rent_support_eur=aff.rent_support_eur if aff else cents_to_eur(fields.rent_support_cents),
        affordability_share_bp=aff.affordability_share_bp if aff else 0,
        hard_ceiling_eur=aff.hard_ceiling_eur if aff else None,
        needs_step_free=fields.needs.step_free,
        wheelchair=fields.needs.wheelchair,
        prefers_low_floor=fields.needs.low_floor,
        residence_comune=fields.residence_comune,
        work_comune=fields.work_comune,
        acceptable_comuni=acceptable_comuni(fields),
        pets=fields.preferences.pets,
        smoker=fields.preferences.smoker,
        latest_move_in=fields.preferences.latest_move_in,
        accepts_as_is=fields.preferences.accepts_as_is,
        reserve_category=reserve,
        legal_hold=legal_hold,
    )
