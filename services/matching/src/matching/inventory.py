"""The matching service's data inventory (RELIABILITY.md 4.1): pseudonymous household profiles,
offers, rounds and tenancies; never names, codici fiscali, contacts, exact ISEE or income."""

from __future__ import annotations

from shared.inventory import Entry, entries

HOUSEHOLD = "while the household is registered; deleted at its erasure"
ROUND = "per the agency's schedule; the snapshot is redacted at a household's erasure"
OFFER = "per the agency's schedule; tenancies kept by law"
LINKS = "expiry + 7 days; deleted at the household's erasure"
_PROFILE = Entry("derived", "delete", HOUSEHOLD)
_ROUND = Entry("none", "keep", ROUND)

INVENTORY: dict[str, dict[str, Entry]] = {
    "household_profile": entries(
        (
            "household_id",
            "entity_version",
            "profile_version",
            "size",
            "residence_comune",
            "application_time",
            "profile",
            "statuses",
            "updated_at",
        ),
        _PROFILE,
    ),
    "erased_household": entries(
        ("household_id", "erased_at"), Entry("none", "keep", "erasure ledger (ids only)")
    ),
    # A link's claims, never the token: technical, so not in the export; gone at the erasure.
    "link_token": {
        **entries(
            (
                "jti",
                "kid",
                "purpose",
                "offer_id",
                "pair_jti",
                "expires_at",
                "used_at",
                "created_at",
            ),
            Entry("none", "delete", LINKS),
        ),
        "household_id": Entry("derived", "delete", LINKS),
    },
    "match_round": {
        **entries(
            (
                "id",
                "kind",
                "programme",
                "comuni",
                "scope_key",
                "status",
                "policy_version",
                "seed",
                "seed_hash",
                "snapshot_hash",
                "snapshot_redacted",
                "result_status",
                "stats",
                "proposals",
                "unmatched",
                "lease_until",
                "attempts",
                "created_by",
                "created_at",
                "completed_at",
                "approved_by",
                "approved_at",
            ),
            _ROUND,
        ),
        "snapshot": Entry("derived", "anonymise", ROUND),  # holds the pool's profiles
    },
    "round_outcome": entries(
        ("id", "round_id", "household_id", "unit_id", "reason", "explanation"),
        Entry("derived", "delete", ROUND),
    ),
    "offer": {
        **entries(
            (
                "id",
                "round_id",
                "unit_id",
                "landlord_id",
                "programme",
                "status",
                "version",
                "respond_by",
                "landlord_decide_by",
                "household_answered_by",
                "household_answered_at",
                "classification",
                "classified_by",
                "classified_at",
                "landlord_answer",
                "landlord_reason",
                "visit_at",
                "landlord_answered_at",
                "closed_at",
                "created_at",
            ),
            Entry("derived", "delete", OFFER),
        ),
        "household_id": Entry("derived", "delete", OFFER),
        "household_answer": Entry("derived", "delete", OFFER),
        "household_reason": Entry("protected", "delete", OFFER),
    },
    "tenancy": entries(
        (
            "id",
            "offer_id",
            "household_id",
            "unit_id",
            "landlord_id",
            "agreed_at",
            "move_in",
            "ended_at",
        ),
        Entry("derived", "keep", "tenancy records kept by law"),
    ),
    "unit_listing": entries(
        (
            "unit_id",
            "entity_version",
            "landlord_id",
            "programme",
            "comune",
            "status",
            "facts",
            "published_at",
            "updated_at",
        ),
        Entry("none", "keep", "while the unit is listed"),
    ),
}
