"""The notifications service's data inventory (RELIABILITY.md 4.1): messages with the recipient's
pseudonymous key; contacts are fetched at send time and bodies are never stored."""

from __future__ import annotations

from shared.inventory import Entry, entries

MESSAGES = "90 days after the message is finished; deleted at the household's erasure"
OFFERS = "while the offer is open; deleted at the household's erasure"

INVENTORY: dict[str, dict[str, Entry]] = {
    "message": {
        **entries(
            (
                "id",
                "event_id",
                "channel",
                "recipient_kind",
                "template",
                "offer_id",
                "language",
                "state",
                "attempts",
                "error_code",
                "provider_message_id",
                "receipt_status",
                "created_at",
                "next_attempt_at",
                "claimed_until",
                "sent_at",
                "updated_at",
            ),
            Entry("derived", "delete", MESSAGES),
        ),
        "recipient_key": Entry("derived", "delete", MESSAGES),
        "params": Entry("protected", "delete", MESSAGES),  # template parameters, no contacts
    },
    # The facts of an offer the sender needs for reminders: references, not the household's data.
    "offer_fact": {
        **entries(
            (
                "offer_id",
                "landlord_id",
                "unit_id",
                "programme",
                "comune",
                "respond_by",
                "open",
                "reminded",
            ),
            Entry("none", "delete", OFFERS),
        ),
        "household_id": Entry("derived", "delete", OFFERS),
    },
    "unit_fact": entries(
        ("unit_id", "landlord_id", "comune", "reference", "published"),
        Entry("none", "keep", "while the unit is listed"),
    ),
}
