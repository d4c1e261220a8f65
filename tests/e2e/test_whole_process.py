"""The whole process end to end, four real services and a real broker (issue 9, "e2e tests"), run
once per start-up order: what each user sees afterwards, and every message delivered."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from shared.policy import load_policy

# conftest.py puts this folder on sys.path at run time; mypy resolves the module from the root.
if TYPE_CHECKING:
    from tests.e2e.e2e_journey import Journey
    from tests.e2e.e2e_messages import LINK, deliveries, expected_deliveries, roles
else:
    from e2e_journey import Journey
    from e2e_messages import LINK, deliveries, expected_deliveries, roles

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

TIMEZONE = ZoneInfo(str(load_policy().value("meta.timezone")))
# What no message may say: means, identity (the household registration's values).
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PRIVATE = re.compile(
    r"ISEE|reddit|income|9\.000|9000|1\.200|1200|Maria|Rossi|\b[A-Z]{6}80A01D150[A-Z]\b"
)


def _local_date(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(TIMEZONE).strftime("%d/%m/%Y")


def _offer(journey: Journey, household_id: str) -> dict[str, Any]:
    return next(o for o in journey.offers_made if o["household_id"] == household_id)


def _message_id(header: str) -> str:
    """Our Message-ID is <message id@domain>: the email's record in the notifications service."""
    return str(uuid.UUID(header.strip("<>").split("@", 1)[0]))


def test_landlord_onboarding_shows_the_api_key_once(journey: Journey) -> None:
    assert journey.api_key.startswith("lk_")
    assert journey.onboarding["landlord"]["id"] == journey.landlord_id
    assert journey.landlord_read_back["id"] == journey.landlord_id
    assert journey.api_key not in str(journey.landlord_read_back)
    # The key works: the landlord imported its units with it.
    assert (journey.import_result["created"], journey.import_result["errors"]) == (2, 0)
    assert [u["status"] for u in journey.verified_units] == ["published", "published"]


def test_the_round_offers_both_units_and_leaves_one_household_waiting(journey: Journey) -> None:
    assert (journey.round_started["households"], journey.round_started["units"]) == (3, 2)
    assert journey.round_view["stats"]["matched"] == 2
    assert journey.round_view["seed"]  # revealed once completed, for anyone to re-check
    assert (journey.approval["offers"], journey.approval["unmatched"]) == (2, 1)
    assert {o["unit_id"] for o in journey.offers_made} == set(journey.unit_ids)
    before = journey.landlord_offers_before
    assert {o["id"] for o in before} == {o["id"] for o in journey.offers_made}
    for view in before:
        # DOMAIN 5.4: before both sides accept, the landlord learns the household's size only.
        assert "household_id" not in view
        assert view["household_size"] == 1


def test_registry_statuses_follow_the_answers(journey: Journey) -> None:
    statuses = {h: s["status"] for h, s in journey.registry_status.items()}
    assert statuses == {
        journey.accepter: "housed",
        journey.decliner: "eligible",  # a justified refusal costs nothing
        journey.waiting: "eligible",
    }


def test_matching_records_the_answers(journey: Journey) -> None:
    assert journey.link_page is not None
    assert journey.link_answer is not None
    assert journey.link_page.headers["cache-control"] == "no-store"
    assert journey.link_answer.status_code == 200
    ((accepted,), (declined,)) = (
        journey.final_offers[h] for h in (journey.accepter, journey.decliner)
    )
    assert (accepted["status"], accepted["household_answer"], accepted["landlord_answer"]) == (
        "confirmed_by_landlord",
        "accept",
        "accept",
    )
    assert (declined["status"], declined["household_reason"], declined["classification"]) == (
        "refused_by_household",
        "WORK_OR_CARE_DISTANCE",
        "justified",
    )
    assert journey.final_offers[journey.waiting] == []


def test_the_landlord_sees_the_tenancy_and_its_units(journey: Journey) -> None:
    assert journey.landlord_decision is not None
    assert journey.landlord_decision.status_code == 202
    assert journey.landlord_decision.json()["decision_state"] == "pending"
    views = {o["id"]: o for o in journey.landlord_offers}
    accepted = views[_offer(journey, journey.accepter)["id"]]
    declined = views[_offer(journey, journey.decliner)["id"]]
    assert (accepted["status"], accepted["decision"], accepted["decision_state"]) == (
        "tenancy_agreed",
        "accept",
        "confirmed",
    )
    assert (declined["status"], declined["open"]) == ("refused_by_household", False)
    units = {u["id"]: u["status"] for u in journey.landlord_units}
    assert units == {
        _offer(journey, journey.accepter)["unit_id"]: "let",
        _offer(journey, journey.decliner)["unit_id"]: "published",  # free for the next round
    }


def test_every_message_is_handled_once_as_the_catalogue_and_caps_say(journey: Journey) -> None:
    got = deliveries(journey, journey.messages)
    want = expected_deliveries()
    assert got == want, f"missing: {want - got}; unexpected: {got - want}"


def test_the_smtp_server_received_exactly_the_sent_emails(journey: Journey) -> None:
    sent = {
        m["id"]: m for m in journey.messages if m["channel"] == "email" and m["state"] == "sent"
    }
    received = Counter(_message_id(str(mail.message["Message-ID"])) for mail in journey.emails)
    assert received == Counter(list(sent)), "each sent email arrives once, and nothing else"
    addresses = {h.id: h.email for h in journey.households} | {
        journey.landlord_id: journey.landlord_email
    }
    for mail in journey.emails:
        record = sent[_message_id(str(mail.message["Message-ID"]))]
        assert mail.rcpt_tos == [addresses[record["recipient_key"]]]
        assert str(mail.message["To"]) == addresses[record["recipient_key"]]


def test_the_offer_emails_carry_the_households_own_link(journey: Journey) -> None:
    for household_id in (journey.accepter, journey.decliner):
        household = journey.household(household_id)
        respond_by = _local_date(_offer(journey, household_id)["respond_by"])
        (mail,) = [
            m for m in journey.emails if m.rcpt_tos == [household.email] and LINK.search(m.text)
        ]
        assert mail.subject == f"Proposta di alloggio a Cremona: risponda entro il {respond_by}"
        assert LINK.findall(mail.text) == [journey.links[household_id]]
        assert journey.links[household_id] in mail.html
        assert "Canone mensile: 230 €" in mail.text
    assert journey.links[journey.accepter] != journey.links[journey.decliner]


def test_the_emails_read_as_a_household_and_a_landlord_expect(journey: Journey) -> None:
    parts = roles(journey)
    sent = {m["id"]: m for m in journey.messages if m["channel"] == "email"}
    subjects: Counter[tuple[str, str]] = Counter()
    for mail in journey.emails:
        record = sent[_message_id(str(mail.message["Message-ID"]))]
        subjects[(parts[record["recipient_key"]], " ".join(mail.subject.split()))] += 1
    for household in ("accepter", "decliner", "waiting"):
        assert subjects[(household, "Abbiamo ricevuto la Sua domanda")] == 1
        assert subjects[(household, "Esito della verifica: domanda ammessa")] == 1
    assert subjects[("waiting", "Turno di abbinamento: per questa volta nessun alloggio")] == 1
    assert subjects[("accepter", "Alloggio a Cremona: la proposta è stata accettata")] == 1
    assert subjects[("landlord", "Benvenuto nell'Agenzia per l'Abitare Sociale")] == 1


def _public(text: str) -> str:
    """The text without links and ids, whose random characters could spell anything."""
    return UUID.sub("", LINK.sub("", text))


def test_no_message_carries_means_or_identity(journey: Journey) -> None:
    for mail in journey.emails:
        for text in (mail.subject, mail.text, mail.html):
            assert not PRIVATE.search(_public(text)), (mail.subject, PRIVATE.search(text))
    for sms in journey.sms:
        assert not PRIVATE.search(_public(sms["text"])), sms["text"]


def test_subjects_read_without_doubled_spaces(journey: Journey) -> None:
    """As a mail client shows a subject: unfolded, leading whitespace dropped (RFC 5322 2.2.3)."""
    doubled = [m.subject.strip() for m in journey.emails if "  " in m.subject.strip()]
    assert doubled == []


def test_the_sms_file_holds_exactly_the_sent_sms(journey: Journey) -> None:
    sent = {m["id"]: m for m in journey.messages if m["channel"] == "sms" and m["state"] == "sent"}
    assert Counter(line["message_id"] for line in journey.sms) == Counter(list(sent))
    mobiles = {h.id: h.mobile for h in journey.households}
    for line in journey.sms:
        mobile = mobiles[sent[line["message_id"]]["recipient_key"]]
        assert line["to"] == "*" * (len(mobile) - 3) + mobile[-3:]  # masked in the demo file
        assert line["text"].startswith("Agenzia Casa Cremona: ")
    for household_id in (journey.accepter, journey.decliner):
        respond_by = _local_date(_offer(journey, household_id)["respond_by"])
        (offer_sms,) = [
            line
            for line in journey.sms
            if sent[line["message_id"]]["recipient_key"] == household_id
            and sent[line["message_id"]]["template"] == "household.offer_made"
        ]
        assert offer_sms["text"] == (
            "Agenzia Casa Cremona: Le proponiamo un alloggio a Cremona, 230 € + 40 € di spese al "
            f"mese. Risponda entro il {respond_by} alle ore 23:59: {journey.links[household_id]}"
        )
