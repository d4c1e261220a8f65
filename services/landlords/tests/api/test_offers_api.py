"""Offers on a landlord's units: the local view of matching's events, and the landlord's decision."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.events import matching, registry
from shared.testing.inspect import rows, stream_messages
from shared.testing.waiting import wait_until

LANDLORD_VIEW = {
    "id",
    "unit_id",
    "programme",
    "household_size",
    "pets",
    "smoker",
    "agency_guarantee",
    "respond_by",
    "landlord_decide_by",
    "visit_at",
    "status",
    "open",
    "decision",
    "decision_reason_code",
    "decision_state",
    "decided_at",
    "created_at",
}


def follow(made: matching.OfferMade, cls: type[Any], version: int, **fields: Any) -> Any:
    return cls(
        entity_version=version,
        offer_id=made.offer_id,
        household_id=made.household_id,
        unit_id=made.unit_id,
        landlord_id=made.landlord_id,
        **fields,
    )


async def _published_unit(api: Any, landlord: Any) -> dict[str, Any]:
    unit = await api.create_unit(landlord, unit_reference=uuid.uuid4().hex[:8])
    assert (await api.verify(unit["id"], outcome="approve")).status_code == 200
    return unit


async def _offer(api: Any, landlord: Any, offer_id: Any, **expect: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def arrived() -> bool:
        r = await api.client.get(f"/v1/offers/{offer_id}", headers=landlord.headers)
        if r.status_code == 200 and all(r.json().get(k) == v for k, v in expect.items()):
            found.update(r.json())
            return True
        return False

    await wait_until(arrived)
    return found


async def test_a_landlord_sees_only_domain_5_4_facts(api: Any) -> None:
    landlord = await api.onboard()
    unit = await _published_unit(api, landlord)
    made = api.offer_made(landlord, unit)
    await api.publish("matching", made)
    offer = await _offer(api, landlord, made.offer_id, status="sent")
    assert set(offer) == LANDLORD_VIEW
    assert offer["household_size"] == 3
    assert offer["pets"] is True
    assert offer["agency_guarantee"] is True
    assert offer["open"] is True
    listed = await api.client.get("/v1/offers", headers=landlord.headers)
    assert [o["id"] for o in listed.json()["items"]] == [str(made.offer_id)]
    assert str(made.household_id) not in listed.text
    staff = await api.client.get(f"/v1/offers/{made.offer_id}", headers=api.staff())
    assert staff.json()["household_id"] == str(made.household_id)
    unit_now = await api.client.get(f"/v1/units/{unit['id']}", headers=landlord.headers)
    assert unit_now.json()["status"] == "offered"


async def test_accept_is_pending_until_matching_confirms(api: Any, jetstream_ops: Any) -> None:
    landlord = await api.onboard()
    unit = await _published_unit(api, landlord)
    made = api.offer_made(landlord, unit)
    await api.publish("matching", made)
    await _offer(api, landlord, made.offer_id, status="sent")
    path = f"/v1/offers/{made.offer_id}/decision"
    answered = await api.client.post(path, json={"decision": "accept"}, headers=landlord.keyed())
    assert answered.status_code == 202, answered.text
    assert answered.json()["decision_state"] == "pending"
    twice = await api.client.post(path, json={"decision": "accept"}, headers=landlord.keyed())
    assert twice.status_code == 409

    await wait_until(api.published)
    messages = await stream_messages(jetstream_ops, "LANDLORDS")
    answer = [p for s, p, _ in messages if s == "landlords.offer.answered.v1"]
    assert answer == [answer[0] | {"offer_id": str(made.offer_id), "decision": "accept"}]
    assert answer[0]["reason_code"] is None

    await api.publish(
        "matching",
        follow(made, matching.OfferAccepted, 2, by="household"),
        follow(made, matching.OfferAccepted, 3, by="landlord"),
        follow(made, matching.TenancyAgreed, 4),
    )
    offer = await _offer(api, landlord, made.offer_id, status="tenancy_agreed")
    assert offer["decision_state"] == "confirmed"
    unit_now = await api.client.get(f"/v1/units/{unit['id']}", headers=landlord.headers)
    assert unit_now.json()["status"] == "let"


async def test_decline_needs_an_allowed_reason(api: Any, jetstream_ops: Any) -> None:
    landlord = await api.onboard()
    unit = await _published_unit(api, landlord)
    made = api.offer_made(landlord, unit)
    await api.publish("matching", made)
    await _offer(api, landlord, made.offer_id, status="sent")
    path = f"/v1/offers/{made.offer_id}/decision"
    for body in (
        {"decision": "decline"},
        {"decision": "decline", "reason_code": "NATIONALITY"},
        {"decision": "decline", "reason_code": "OTHER_REVIEWED"},
        {"decision": "accept", "reason_code": "PETS_MISMATCH"},
        {"decision": "maybe"},
    ):
        refused = await api.client.post(path, json=body, headers=landlord.keyed())
        assert refused.status_code == 422, body
        assert "NATIONALITY" not in refused.text
    declined = await api.client.post(
        path,
        json={
            "decision": "decline",
            "reason_code": "OTHER_REVIEWED",
            "reason_text": "CANARY-7731 roof",
        },
        headers=landlord.keyed(),
    )
    assert declined.status_code == 202
    await api.publish(
        "matching",
        follow(made, matching.OfferDeclined, 2, by="landlord", reason_code="OTHER_REVIEWED"),
    )
    offer = await _offer(api, landlord, made.offer_id, status="refused_by_landlord")
    assert offer["decision_state"] == "confirmed"
    assert offer["open"] is False
    unit_now = await api.client.get(f"/v1/units/{unit['id']}", headers=landlord.headers)
    assert unit_now.json()["status"] == "published"
    await wait_until(api.published)
    messages = await stream_messages(jetstream_ops, "LANDLORDS")
    assert "CANARY-7731" not in str(messages)


async def test_a_closed_offer_is_409_and_a_late_decision_is_rejected(api: Any) -> None:
    landlord = await api.onboard()
    unit = await _published_unit(api, landlord)
    expired = api.offer_made(landlord, unit)
    await api.publish("matching", expired, follow(expired, matching.OfferExpired, 2))
    await _offer(api, landlord, expired.offer_id, status="expired")
    closed = await api.client.post(
        f"/v1/offers/{expired.offer_id}/decision",
        json={"decision": "accept"},
        headers=landlord.keyed(),
    )
    assert closed.status_code == 409
    assert closed.json()["type"] == "urn:problem:housing:offer-not-open"

    late = api.offer_made(landlord, unit)
    await api.publish("matching", late)
    await _offer(api, landlord, late.offer_id, status="sent")
    pending = await api.client.post(
        f"/v1/offers/{late.offer_id}/decision",
        json={"decision": "accept"},
        headers=landlord.keyed(),
    )
    assert pending.status_code == 202
    await api.publish(
        "matching", follow(late, matching.OfferWithdrawn, 2, reason_code="UNIT_WITHDRAWN")
    )
    offer = await _offer(api, landlord, late.offer_id, status="withdrawn")
    assert offer["decision_state"] == "rejected"


async def test_out_of_order_events_converge(api: Any) -> None:
    landlord = await api.onboard()
    unit = await _published_unit(api, landlord)
    made = api.offer_made(landlord, unit)
    # The expiry (version 2) arrives before the offer itself (version 1).
    await api.publish("matching", follow(made, matching.OfferExpired, 2), made)
    offer = await _offer(api, landlord, made.offer_id, status="expired", household_size=3)
    assert offer["open"] is False


async def test_the_landlord_sees_the_booked_visit_date_even_out_of_order(api: Any) -> None:
    landlord = await api.onboard()
    unit = await _published_unit(api, landlord)
    made = api.offer_made(landlord, unit)
    visit_at = made.respond_by - timedelta(days=3)
    await api.publish("matching", made)
    sent = await _offer(api, landlord, made.offer_id, status="sent")
    assert sent["visit_at"] is None
    await api.publish("matching", follow(made, matching.OfferVisitBooked, 2, visit_at=visit_at))
    booked = await _offer(api, landlord, made.offer_id, status="visit_booked")
    assert datetime.fromisoformat(booked["visit_at"]) == visit_at
    decided = await api.client.post(
        f"/v1/offers/{made.offer_id}/decision",
        json={"decision": "accept"},
        headers=landlord.keyed(),
    )
    assert decided.status_code == 202

    # Another offer: the household's acceptance (v3) overtakes the moved visit (v2).
    unit2 = await _published_unit(api, landlord)
    made2 = api.offer_made(landlord, unit2)
    await api.publish(
        "matching",
        made2,
        follow(made2, matching.OfferAccepted, 3, by="household"),
        follow(made2, matching.OfferVisitBooked, 2, visit_at=visit_at),
    )
    both = await _offer(api, landlord, made2.offer_id, status="accepted_by_household")

    async def dated() -> bool:
        r = await api.client.get(f"/v1/offers/{made2.offer_id}", headers=landlord.headers)
        return r.json()["visit_at"] is not None

    await wait_until(dated)
    assert both["status"] == "accepted_by_household"


async def test_household_export_and_erasure(api: Any, jetstream_ops: Any) -> None:
    landlord = await api.onboard()
    unit = await _published_unit(api, landlord)
    made = api.offer_made(landlord, unit)
    other = api.offer_made(landlord, unit, household_id=uuid.uuid4())
    await api.publish("matching", made, follow(made, matching.OfferExpired, 2), other)
    await _offer(api, landlord, made.offer_id, status="expired")
    await _offer(api, landlord, other.offer_id, status="sent")

    path = f"/internal/v1/households/{made.household_id}/export"
    export = await api.client.get(path, headers=api.service("svc-registry"))
    assert export.status_code == 200
    assert [o["offer_id"] for o in export.json()["offers"]] == [str(made.offer_id)]
    for headers in (api.service("svc-notifications"), api.staff("supervisor"), landlord.headers):
        assert (await api.client.get(path, headers=headers)).status_code == 403

    erasure = registry.HouseholdErased(household_id=made.household_id, erasure_id=uuid.uuid4())
    await api.publish("registry", erasure)

    async def erased() -> bool:
        left = await rows(api.svc, "offer")
        return str(made.household_id) not in str(left) and len(left) == 1

    await wait_until(erased)
    emptied = await api.client.get(path, headers=api.service("svc-registry"))
    assert emptied.json()["offers"] == []
    await wait_until(api.published)
    messages = await stream_messages(jetstream_ops, "LANDLORDS")
    confirmations = [p for s, p, _ in messages if s == "landlords.household.erased.v1"]
    assert confirmations == [
        confirmations[0]
        | {"household_id": str(made.household_id), "erasure_id": str(erasure.erasure_id)}
    ]
