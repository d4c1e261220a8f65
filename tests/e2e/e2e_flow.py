"""The whole process as its users drive it, through the public HTTP APIs only: caseworkers register
households and onboard a landlord, the landlord imports units, a caseworker verifies them, runs a
round that a supervisor approves, one household accepts through its link, another declines through
its caseworker, the landlord confirms. Every step is recorded for the tests to check."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from shared.testing.payloads import household_registration, landlord_onboarding

# conftest.py puts this folder on sys.path at run time; mypy resolves the module from the root.
if TYPE_CHECKING:
    from tests.e2e.e2e_journey import Household, Journey, Users, settle, units_csv, wait_for
    from tests.e2e.e2e_messages import (
        LINK,
        deliveries,
        expected_deliveries,
        offer_email,
        offer_sms,
    )
    from tests.e2e.e2e_stack import Stack
else:
    from e2e_journey import Household, Journey, Users, settle, units_csv, wait_for
    from e2e_messages import LINK, deliveries, expected_deliveries, offer_email, offer_sms
    from e2e_stack import Stack

HOUSEHOLDS = 3  # two offers and one household left for the next round
DECLINE_REASON = "WORK_OR_CARE_DISTANCE"  # needs a caseworker's classification (policy)


def run_journey(stack: Stack) -> Journey:
    journey = Journey()
    with httpx.Client(timeout=15) as client:
        users = Users(stack, client)
        steps: list[tuple[str, Callable[[Users, Journey], None]]] = [
            ("register and verify households", _register),
            ("onboard a landlord", _onboard),
            ("import and verify units", _units),
            ("matching sees the pool", _pool),
            ("run and approve a round", _round),
            ("offers reach the landlord and the households", _offers_arrive),
            ("household accepts by link, another declines", _answers),
            ("landlord confirms", _landlord_confirms),
            ("every message delivered", _messages_settle),
            ("read the final state", _final_state),
        ]
        for name, step in steps:
            started = time.monotonic()
            step(users, journey)
            journey.timings[name] = round(time.monotonic() - started, 2)
    return journey


def _register(users: Users, journey: Journey) -> None:
    for n in range(HOUSEHOLDS):
        body = household_registration(9100 + n)
        body["contacts"]["mobile"] = f"+3933312345{n:02d}"  # masked SMS keep the last digits
        created = users.post(
            "registry", "/v1/households", 201, json=body, headers=users.staff(keyed=True)
        )
        verified = users.post(
            "registry", f"/v1/households/{created['id']}/verify", 200, headers=users.staff()
        )
        agency = next(p for p in verified["programmes"] if p["programme"] == "agency")
        assert agency["status"] == "eligible", verified["programmes"]
        contacts = body["contacts"]
        journey.households.append(
            Household(created["id"], contacts["email"], contacts["mobile"], body)
        )


def _onboard(users: Users, journey: Journey) -> None:
    body = landlord_onboarding(9100)
    journey.onboarding = users.post(
        "landlords", "/v1/landlords", 201, json=body, headers=users.staff(keyed=True)
    )
    journey.landlord_id = journey.onboarding["landlord"]["id"]
    journey.landlord_email = body["email"]
    journey.api_key = users.landlord_key = journey.onboarding["api_key"]
    journey.landlord_read_back = users.get(
        "landlords", f"/v1/landlords/{journey.landlord_id}", headers=users.landlord()
    )


def _units(users: Users, journey: Journey) -> None:
    headers = {**users.landlord(keyed=True), "Content-Type": "text/csv"}
    content = units_csv(["E2E-1", "E2E-2"])
    journey.import_result = users.post(
        "landlords", "/v1/units/import", 200, content=content, headers=headers
    )
    journey.unit_ids = [row["unit_id"] for row in journey.import_result["rows"] if row["unit_id"]]
    for unit_id in journey.unit_ids:
        step = {"outcome": "approve", "note": "documenti e sopralluogo ok"}
        journey.verified_units.append(
            users.post(
                "landlords",
                f"/v1/units/{unit_id}/verification",
                200,
                json=step,
                headers=users.staff(),
            )
        )


def _pool(users: Users, _journey: Journey) -> None:
    wait_for(
        "matching's pool can take the 3 eligible households and the 2 units",
        lambda: users.get("matching", "/v1/pool", headers=users.staff()),
        lambda pool: (pool["eligible"]["agency"], pool["units"]) == (HOUSEHOLDS, 2),
    )


def _round(users: Users, journey: Journey) -> None:
    body = {"programme": "agency", "comuni": ["Cremona"]}
    journey.round_started = started = users.post(
        "matching", "/v1/rounds", 202, json=body, headers=users.staff(keyed=True)
    )

    journey.round_view = wait_for(
        "the round completes",
        lambda: users.get("matching", f"/v1/rounds/{started['id']}", headers=users.staff()),
        lambda view: view["status"] in ("completed", "failed"),
        within=30,
    )
    assert journey.round_view["status"] == "completed", journey.round_view
    journey.approval = users.post(
        "matching",
        f"/v1/rounds/{started['id']}/approve",
        200,
        headers=users.staff("supervisor", keyed=True),
    )
    page = users.get(
        "matching", "/v1/offers", params={"round_id": started["id"]}, headers=users.staff()
    )
    journey.offers_made = page["items"]


def _offers_arrive(users: Users, journey: Journey) -> None:
    by_household = {o["household_id"]: o for o in journey.offers_made}
    assert len(by_household) == 2, journey.offers_made
    first, second = sorted(by_household)  # which two won the lottery is the round's seed's choice
    journey.accepter, journey.decliner = first, second
    journey.waiting = next(h.id for h in journey.households if h.id not in by_household)

    journey.landlord_offers_before = wait_for(
        "the landlord sees both offers",
        lambda: users.get("landlords", "/v1/offers", headers=users.landlord())["items"],
        lambda items: len(items) == 2 and all(i["status"] == "sent" for i in items),
    )
    for household_id in (journey.accepter, journey.decliner):
        # A household answers once it has the offer: by email and by SMS.
        household = journey.household(household_id)
        mail = wait_for(
            f"the offer email to {household.email}",
            lambda a=household.email: offer_email(users.stack, a),  # type: ignore[misc]
        )
        assert mail is not None
        link = LINK.search(mail.text)
        assert link is not None
        journey.links[household_id] = link.group(0)
        wait_for(
            f"the offer SMS to {household.mobile}",
            lambda m=household.mobile: offer_sms(users.stack, m),  # type: ignore[misc]
        )


def _answers(users: Users, journey: Journey) -> None:
    client = users.client
    journey.link_page = page = client.get(journey.links[journey.accepter])
    assert page.status_code == 200, page.text[:500]
    action = page.text.split('action="', 1)[1].split('"', 1)[0]
    target = action if action.startswith("http") else users.url("matching", action)
    journey.link_answer = client.post(target, data={"answer": "accept"})
    offer = next(o for o in journey.offers_made if o["household_id"] == journey.decliner)
    journey.decline = users.post(
        "matching",
        f"/v1/offers/{offer['id']}/response",
        200,
        json={"answer": "decline", "reason_code": DECLINE_REASON},
        headers=users.staff(keyed=True),
    )
    # The caseworker reviews the reason given and finds the refusal justified.
    journey.classification = users.post(
        "matching",
        f"/v1/offers/{offer['id']}/classification",
        200,
        json={"classification": "justified"},
        headers=users.staff(keyed=True),
    )


def _landlord_confirms(users: Users, journey: Journey) -> None:
    offer = next(o for o in journey.offers_made if o["household_id"] == journey.accepter)

    wait_for(
        "the landlord sees the household's acceptance",
        lambda: users.get("landlords", f"/v1/offers/{offer['id']}", headers=users.landlord()),
        lambda view: view["status"] == "accepted_by_household",
    )
    journey.landlord_decision = users.client.post(
        users.url("landlords", f"/v1/offers/{offer['id']}/decision"),
        json={"decision": "accept"},
        headers=users.landlord(keyed=True),
    )

    wait_for(
        "matching records both acceptances",
        lambda: users.get("matching", f"/v1/offers/{offer['id']}", headers=users.staff()),
        lambda view: view["status"] == "confirmed_by_landlord",
    )


def _messages_settle(users: Users, journey: Journey) -> None:
    """Every message the journey asks for was handled: sent, skipped, or held by a cap."""
    expected = expected_deliveries()

    def records() -> list[dict[str, Any]]:
        page = users.get(
            "notifications", "/v1/messages", params={"limit": 100}, headers=users.staff()
        )
        items: list[dict[str, Any]] = page["items"]
        return items

    journey.messages = settle(records, lambda m: deliveries(journey, m) == expected, within=30)


def _final_state(users: Users, journey: Journey) -> None:
    staff = users.staff()
    expected = {
        journey.accepter: "housed",
        journey.decliner: "eligible",
        journey.waiting: "eligible",
    }

    def statuses() -> dict[str, dict[str, Any]]:
        found = {}
        for h in journey.households:
            history = users.get("registry", f"/v1/households/{h.id}/status", headers=staff)
            found[h.id] = next(p for p in history["programmes"] if p["programme"] == "agency")
        return found

    journey.registry_status = settle(
        statuses, lambda s: {k: v["status"] for k, v in s.items()} == expected, within=15
    )
    for h in journey.households:
        offers = users.get("matching", "/v1/offers", params={"household_id": h.id}, headers=staff)
        journey.final_offers[h.id] = offers["items"]

    def landlord_offers() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = users.get(
            "landlords", "/v1/offers", headers=users.landlord()
        )["items"]
        return items

    journey.landlord_offers = settle(
        landlord_offers,
        lambda items: any(i["status"] == "tenancy_agreed" for i in items),
        within=15,
    )
    journey.landlord_units = users.get("landlords", "/v1/units", headers=users.landlord())["items"]
    journey.emails = list(users.stack.smtp.received)
    journey.sms = users.stack.sms()
