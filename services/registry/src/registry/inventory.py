"""The data inventory (RELIABILITY §4.1): every column's category, retention and erasure action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal["identity", "contact", "financial", "special", "protected", "derived", "none"]
Action = Literal["delete", "anonymise", "keep"]


@dataclass(frozen=True)
class Entry:
    category: Category
    action: Action
    retention: str = "household"  # "household": the agency's schedule after closure (policy)


_ID = Entry("none", "keep")
_TIME = Entry("none", "keep")

INVENTORY: dict[str, dict[str, Entry]] = {
    "household": {
        "id": _ID,
        "reference": Entry("identity", "anonymise"),
        "state": Entry("none", "keep"),
        "size": Entry("derived", "keep"),
        "has_minors": Entry("protected", "keep"),
        "residence_comune": Entry("derived", "keep"),
        "work_comune": Entry("protected", "anonymise"),
        "resides_in_lombardy": Entry("derived", "keep"),
        "works_in_lombardy": Entry("derived", "keep"),
        "language": Entry("protected", "keep"),
        "legal_status": Entry("protected", "anonymise"),
        "properties": Entry("financial", "anonymise"),
        "exclusion_events": Entry("special", "anonymise"),  # judicial (art. 10)
        "prior_public_ownership": Entry("financial", "anonymise"),
        "eviction": Entry("financial", "anonymise"),
        "housing_condition": Entry("protected", "anonymise"),
        "categories": Entry("protected", "anonymise"),
        "category_codes": Entry("protected", "anonymise"),
        "isee_cents": Entry("financial", "anonymise"),
        "isee_issued_on": Entry("financial", "anonymise"),
        "isee_scale": Entry("financial", "anonymise"),
        "net_monthly_income_cents": Entry("financial", "anonymise"),
        "rent_support_cents": Entry("financial", "anonymise"),
        "financial_assets_cents": Entry("financial", "anonymise"),
        "real_estate_assets_cents": Entry("financial", "anonymise"),
        "isbar": Entry("derived", "anonymise"),
        "needs": Entry("special", "anonymise"),
        "preferences": Entry("protected", "anonymise"),
        "email": Entry("contact", "anonymise"),
        "mobile": Entry("contact", "anonymise"),
        "preferred_channel": Entry("contact", "anonymise"),
        "consents": Entry("contact", "anonymise"),
        "priority_score": Entry("derived", "anonymise"),
        "priority_lines": Entry("special", "anonymise"),
        "legal_hold": Entry("none", "keep"),
        "restricted": Entry("none", "keep"),
        "entity_version": Entry("none", "keep"),
        "application_time": _TIME,
        "created_by": Entry("none", "keep"),  # staff id
        "created_at": _TIME,
        "updated_at": _TIME,
        "closed_at": _TIME,
    },
    "household_member": {
        name: Entry("identity", "delete")
        for name in (
            "id",
            "household_id",
            "position",
            "relation",
            "given_name",
            "family_name",
            "codice_fiscale",
            "birth_date",
            "active",
        )
    },
    "household_disability": {
        name: Entry("special", "delete")
        for name in (
            "id",
            "household_id",
            "member_position",
            "category",
            "disability_pct",
            "severe_handicap",
            "certificate_reference",
            "valid_until",
        )
    },
    "eligibility_record": {
        name: Entry("financial", "delete")
        for name in (
            "id",
            "household_id",
            "programme",
            "eligible",
            "failures",
            "eligible_until",
            "policy_version",
            "entity_version",
            "assessed_at",
        )
    },
    "programme_status": {
        name: Entry("derived", "keep")
        for name in ("household_id", "programme", "status", "until", "reasons", "updated_at")
    },
    "status_change": {
        **{
            name: Entry("derived", "keep")
            for name in (
                "seq",
                "household_id",
                "programme",
                "from_status",
                "to_status",
                "reason_code",
                "until",
                "at",
            )
        },
        # Who made the change: a staff member's pseudonymous id, not the household's data.
        "actor_kind": Entry("none", "keep"),
        "actor_id": Entry("none", "keep"),
    },
    "refusal_record": {
        name: Entry("derived", "delete")
        for name in (
            "offer_id",
            "household_id",
            "programme",
            "reason_code",
            "classification",
            "refused_at",
            "action",
            "recorded_at",
        )
    },
    "audit_record": {
        name: Entry("none", "keep", retention="audit schedule (24 months by default)")
        for name in (
            "seq",
            "at",
            "actor_kind",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "outcome",
            "request_id",
            "prev_hash",
            "hash",
        )
    },
    "erasure_request": {
        name: Entry("none", "keep", retention="erasure ledger")
        for name in (
            "id",
            "household_id",
            "outcome",
            "reason_code",
            "expected_services",
            "requested_by",
            "requested_at",
            "completed_at",
        )
    },
    "erasure_confirmation": {
        name: Entry("none", "keep", retention="erasure ledger")
        for name in ("erasure_id", "service", "household_id", "confirmed_at")
    },
}
# Infrastructure tables: pseudonymous ids and payloads only, pruned by the runtime's housekeeping.
INFRASTRUCTURE = {
    "outbox_event": "7 days after publication; a household's published rows go at erasure",
    "processed_event": "14 days",
    "dead_letter": "30 days after resolution",
    "idempotency_record": "24 hours; a household's stored responses go at erasure",
}
