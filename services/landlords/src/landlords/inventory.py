"""The landlords service's data inventory (RELIABILITY.md 4.1): landlords' own personal data, and
of households only the offer id, household id and size, pets and smoker (DOMAIN.md 5.4)."""

from __future__ import annotations

from shared.inventory import Entry, entries

LANDLORD = "while the landlord is onboarded, then per the agency's schedule"
OFFER = "per the agency's schedule; agreed tenancies kept by law"
UNIT = "while the unit is listed, then per the agency's schedule"
_NONE_LANDLORD = Entry("none", "keep", LANDLORD)
_NONE_UNIT = Entry("none", "keep", UNIT)
_NONE_OFFER = Entry("none", "keep", OFFER)

INVENTORY: dict[str, dict[str, Entry]] = {
    "landlord": {
        "id": _NONE_LANDLORD,
        "legal_form": _NONE_LANDLORD,
        "kind": _NONE_LANDLORD,
        "display_name": Entry("identity", "anonymise", LANDLORD),
        "codice_fiscale": Entry("identity", "anonymise", LANDLORD),
        "partita_iva": Entry("identity", "keep", "fiscal records (10 years)"),
        "email": Entry("contact", "anonymise", LANDLORD),
        "phone": Entry("contact", "anonymise", LANDLORD),
        "preferred_channel": Entry("contact", "anonymise", LANDLORD),
        "language": Entry("protected", "keep", LANDLORD),
        "entity_version": _NONE_LANDLORD,
        "created_by": _NONE_LANDLORD,
        "created_at": _NONE_LANDLORD,
    },
    "api_key": {
        **entries(
            (
                "key_id",
                "landlord_id",
                "created_by",
                "created_at",
                "revoked_at",
                "revoked_by",
                "last_used_at",
                "use_count",
            ),
            _NONE_LANDLORD,
        ),
        "secret_hash": Entry("none", "delete", LANDLORD),  # a hash, never the key
    },
    "api_key_use": entries(
        ("id", "key_id", "used_at", "method", "route"), Entry("none", "delete", "365 days")
    ),
    "unit": {
        **entries(
            (
                "id",
                "landlord_id",
                "natural_key",
                "content_hash",
                "status",
                "held_for_review",
                "review_keywords",
                "warnings",
                "unit_reference",
                "comune",
                "zone",
                "cadastral_category",
                "surface_tenths",
                "conventional_surface_tenths",
                "rooms",
                "bedrooms",
                "floor",
                "lift",
                "step_free",
                "barrier_free",
                "energy_class",
                "furnished",
                "rent_cents",
                "charges_cents",
                "contract_type",
                "contract_term",
                "transitorio_months",
                "max_occupants",
                "pets_allowed",
                "smoking_allowed",
                "available_from",
                "min_contract_term",
                "unit_type",
                "band_ok",
                "verification_outcome",
                "verification_reason",
                "verified_by",
                "verified_at",
                "entity_version",
                "created_at",
                "updated_at",
            ),
            _NONE_UNIT,
        ),
        # A natural-person landlord's address identifies them; free text may name anyone.
        "address": Entry("identity", "keep", UNIT),
        "notes": Entry("protected", "keep", UNIT),
        "verification_note": Entry("protected", "keep", UNIT),
    },
    "offer": {
        **entries(
            (
                "id",
                "unit_id",
                "landlord_id",
                "programme",
                "respond_by",
                "landlord_decide_by",
                "visit_at",
                "status",
                "entity_version",
                "decision",
                "decision_reason_code",
                "decision_state",
                "decided_at",
                "created_at",
                "updated_at",
            ),
            _NONE_OFFER,
        ),
        # The household's part: deleted at its erasure, except agreed tenancies (kept by law).
        "household_id": Entry("derived", "delete", OFFER),
        "household_size": Entry("derived", "delete", OFFER),
        "pets": Entry("protected", "delete", OFFER),
        "smoker": Entry("protected", "delete", OFFER),
        "decision_reason_text": Entry("protected", "delete", OFFER),
    },
}
