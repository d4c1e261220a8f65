"""The messages a journey asks for, by the notifications catalogue's channels and the policy's
caps, and how to find what was delivered."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

# conftest.py puts this folder on sys.path at run time; mypy resolves the module from the root.
if TYPE_CHECKING:
    from tests.e2e.e2e_journey import Journey
    from tests.e2e.e2e_stack import SmtpRecord, Stack
else:
    from e2e_journey import Journey
    from e2e_stack import SmtpRecord, Stack

LINK = re.compile(r"https?://[^\s\"<>]+/h/[A-Za-z0-9_\-=]+")


def roles(journey: Journey) -> dict[str, str]:
    """Recipient ids by the part they play."""
    return {
        journey.accepter: "accepter",
        journey.decliner: "decliner",
        journey.waiting: "waiting",
        journey.landlord_id: "landlord",
    }


def outcome(message: dict[str, Any]) -> str:
    """sent, skipped, failed, or held: pending until tomorrow because a daily cap was reached."""
    if message["state"] == "pending" and message["error_code"] == "cap_reached":
        return "held"
    return str(message["state"])


Delivery = tuple[str, str, str, str]  # recipient's part, channel, template, outcome


def deliveries(journey: Journey, messages: list[dict[str, Any]]) -> Counter[Delivery]:
    parts = roles(journey)
    return Counter(
        (parts.get(m["recipient_key"], m["recipient_key"]), m["channel"], m["template"], outcome(m))
        for m in messages
    )


def expected_deliveries() -> Counter[Delivery]:
    """Every message this journey asks for, by the catalogue's channels and the policy's caps."""
    both = ("email", "sms")
    want: list[Delivery] = []
    for part in ("accepter", "decliner", "waiting"):
        for template in ("household.application_received", "household.eligibility_outcome"):
            want += [(part, channel, template, "sent") for channel in both]
    want += [(p, c, "household.offer_made", "sent") for p in ("accepter", "decliner") for c in both]
    want += [("waiting", c, "household.round_not_matched", "sent") for c in both]
    want += [("accepter", "email", "household.tenancy_agreed", "sent")]
    # The fourth SMS of the day to one household waits for tomorrow (sms_per_household_per_day).
    want += [("accepter", "sms", "household.tenancy_agreed", "held")]
    landlord_emails = [
        "landlord.welcome",
        *["landlord.unit_received"] * 2,
        *["landlord.unit_published"] * 2,
        *["landlord.offer_on_unit"] * 2,
        "landlord.household_answered",  # only the answer given through the household's own link
        "landlord.tenancy_agreed",
    ]
    want += [("landlord", "email", t, "sent") for t in landlord_emails]
    # The landlord gave no SMS consent (onboarded with email as its channel).
    want += [("landlord", "sms", "landlord.offer_on_unit", "skipped")] * 2
    return Counter(want)


def offer_sms(stack: Stack, mobile: str) -> dict[str, Any] | None:
    return next(
        (s for s in stack.sms() if s["to"].endswith(mobile[-3:]) and LINK.search(s["text"])), None
    )


def offer_email(stack: Stack, address: str) -> SmtpRecord | None:
    return next(
        (m for m in stack.smtp.received if m.rcpt_tos == [address] and LINK.search(m.text)), None
    )
