"""Explicit conversions between the household rows and the caseworker's fields."""

from __future__ import annotations

import uuid
from typing import Any

from registry.models import Household, HouseholdDisability, HouseholdMember
from registry.schemas import DisabilityIn, HouseholdFields, PersonIn
from shared.db import new_id


def _person(member: HouseholdMember, disability: HouseholdDisability | None) -> dict[str, Any]:
    person: dict[str, Any] = {
        "given_name": member.given_name,
        "family_name": member.family_name,
        "codice_fiscale": member.codice_fiscale,
        "birth_date": member.birth_date,
        "disability": None,
    }
    if disability is not None:
        person["disability"] = DisabilityIn(
            category=disability.category,  # type: ignore[arg-type]
            disability_pct=disability.disability_pct,
            severe_handicap=disability.severe_handicap,
            certificate_reference=disability.certificate_reference,
            valid_until=disability.valid_until,
        )
    return person


def fields_of(
    row: Household,
    members: list[HouseholdMember],
    disabilities: list[HouseholdDisability],
) -> HouseholdFields:
    by_position = {d.member_position: d for d in disabilities}
    applicant = next(m for m in members if m.relation == "applicant")
    others = [m for m in members if m.relation != "applicant"]
    return HouseholdFields.model_validate(
        {
            "reference": row.reference,
            "applicant": PersonIn(**_person(applicant, by_position.get(applicant.position))),
            "members": [
                {**_person(m, by_position.get(m.position)), "relation": m.relation} for m in others
            ],
            "residence_comune": row.residence_comune,
            "work_comune": row.work_comune,
            "resides_in_lombardy": row.resides_in_lombardy,
            "works_in_lombardy": row.works_in_lombardy,
            "legal_status": row.legal_status,
            "isee": (
                {
                    "value_cents": row.isee_cents,
                    "issued_on": row.isee_issued_on,
                    "equivalence_scale": row.isee_scale,
                }
                if row.isee_cents is not None
                else None
            ),
            "net_monthly_income_cents": row.net_monthly_income_cents,
            "rent_support_cents": row.rent_support_cents or 0,
            "financial_assets_cents": row.financial_assets_cents or 0,
            "real_estate_assets_cents": row.real_estate_assets_cents or 0,
            "properties": row.properties or [],
            "exclusion_events": row.exclusion_events or [],
            "prior_public_ownership": row.prior_public_ownership,
            "eviction": row.eviction,
            "housing_condition": row.housing_condition or "adequate",
            "categories": row.categories or {},
            "isbar": row.isbar,
            "needs": row.needs or {},
            "preferences": row.preferences or {},
            "contacts": {
                "email": row.email,
                "mobile": row.mobile,
                "preferred_channel": row.preferred_channel,
            },
            "language": row.language,
            "consents": row.consents or {},
        }
    )


def write_fields(row: Household, fields: HouseholdFields) -> None:
    """Copy the fields onto the row (JSON columns get plain JSON values)."""
    row.reference = fields.reference
    row.size = 1 + len(fields.members)
    row.residence_comune = fields.residence_comune
    row.work_comune = fields.work_comune
    row.resides_in_lombardy = fields.resides_in_lombardy
    row.works_in_lombardy = fields.works_in_lombardy
    row.language = fields.language
    row.legal_status = fields.legal_status.model_dump(mode="json")
    row.properties = [p.model_dump(mode="json") for p in fields.properties]
    row.exclusion_events = [e.model_dump(mode="json") for e in fields.exclusion_events]
    row.prior_public_ownership = (
        fields.prior_public_ownership.model_dump(mode="json")
        if fields.prior_public_ownership
        else None
    )
    row.eviction = fields.eviction.model_dump(mode="json") if fields.eviction else None
    row.housing_condition = fields.housing_condition.value
    row.categories = fields.categories.model_dump(mode="json")
    flags = [name for name, on in fields.categories.model_dump().items() if on]
    row.category_codes = "," + "".join(f"{name}," for name in flags)
    row.isee_cents = fields.isee.value_cents if fields.isee else None
    row.isee_issued_on = fields.isee.issued_on if fields.isee else None
    row.isee_scale = fields.isee.equivalence_scale if fields.isee else None
    row.net_monthly_income_cents = fields.net_monthly_income_cents
    row.rent_support_cents = fields.rent_support_cents
    row.financial_assets_cents = fields.financial_assets_cents
    row.real_estate_assets_cents = fields.real_estate_assets_cents
    row.isbar = fields.isbar
    row.needs = fields.needs.model_dump(mode="json")
    row.preferences = fields.preferences.model_dump(mode="json")
    row.email = fields.contacts.email
    row.mobile = fields.contacts.mobile
    row.preferred_channel = fields.contacts.preferred_channel
    row.consents = fields.consents.model_dump(mode="json")


def people_rows(
    household_id: uuid.UUID, fields: HouseholdFields
) -> tuple[list[HouseholdMember], list[HouseholdDisability]]:
    people: list[tuple[PersonIn, str]] = [(fields.applicant, "applicant")]
    people += [(m, m.relation.value) for m in fields.members]
    members: list[HouseholdMember] = []
    disabilities: list[HouseholdDisability] = []
    for position, (person, relation) in enumerate(people):
        members.append(
            HouseholdMember(
                id=new_id(),
                household_id=household_id,
                position=position,
                relation=relation,
                given_name=person.given_name,
                family_name=person.family_name,
                codice_fiscale=person.codice_fiscale,
                birth_date=person.birth_date,
            )
        )
        if person.disability is not None:
            d = person.disability
            disabilities.append(
                HouseholdDisability(
                    id=new_id(),
                    household_id=household_id,
                    member_position=position,
                    category=d.category,
                    disability_pct=d.disability_pct,
                    severe_handicap=d.severe_handicap,
                    certificate_reference=d.certificate_reference,
                    valid_until=d.valid_until,
                )
            )
    return members, disabilities


def codici(fields: HouseholdFields) -> list[str]:
    return [fields.applicant.codice_fiscale, *(m.codice_fiscale for m in fields.members)]
