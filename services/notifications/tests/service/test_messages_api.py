"""The caseworkers' API (list with filters, one message, re-render), signed delivery receipts,
the registry's export call, and erasure."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from shared.events import matching, registry
from shared.testing.inspect import rows as table_rows
from shared.testing.waiting import wait_until

if TYPE_CHECKING:
    from services.notifications.tests.service import notifications_events as ev
    from services.notifications.tests.service.conftest import Harness
else:
    import notifications_events as ev
    from conftest import Harness


async def _queued(h: Harness, n: int) -> None:
    async def arrived() -> bool:
        return len(await h.rows()) >= n

    await wait_until(arrived)


async def test_caseworkers_filter_messages_and_see_no_body(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("email",))
    lid = h.world.landlord()
    made = ev.offer_made(hid, lid)
    await h.publish("matching", made)
    await _queued(h, 4)
    await h.send()
    c, staff = h.svc.client, h.staff()

    listed = await c.get("/v1/messages", params={"recipient_key": str(hid)}, headers=staff)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert {(i["channel"], i["state"]) for i in items} == {("email", "sent"), ("sms", "skipped")}
    offer = next(i for i in items if i["channel"] == "email")
    assert offer["template"] == "household.offer_made"
    assert offer["params"]["comune"] == "Cremona"
    assert offer["params"]["rent_cents"] == 45000
    assert offer["offer_id"] == str(made.offer_id)
    assert not {"text", "html", "subject", "body", "email", "mobile"} & set(offer)

    for query, expected in [
        ({"state": "skipped"}, 2),  # household SMS and landlord SMS (the landlord prefers email)
        ({"channel": "email", "template": "landlord.offer_on_unit"}, 1),
        ({"comune": "Cremona", "channel": "email"}, 2),
        ({"min_attempts": 1}, 4),
        ({"programme": "sas"}, 0),
    ]:
        got = await c.get("/v1/messages", params=query, headers=staff)
        assert got.status_code == 200, got.text
        assert len(got.json()["items"]) == expected, query

    one = await c.get(f"/v1/messages/{offer['id']}", headers=staff)
    assert one.json()["id"] == offer["id"]
    again = await c.get(
        f"/v1/messages/{offer['id']}/rendering", params={"language": "en"}, headers=staff
    )
    assert again.status_code == 200
    body = again.json()
    assert body["language"] == "en"
    assert "Cremona" in body["subject"]
    assert "link.invalid" in body["text"]  # the personal link is never shown again

    assert (await c.get("/v1/messages")).status_code == 401
    landlord_ish = h.keys.headers("landlord-nobody")
    assert (await c.get("/v1/messages", headers=landlord_ish)).status_code == 403
    missing = await c.get(f"/v1/messages/{uuid.uuid4()}", headers=staff)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_delivery_receipts_need_a_valid_signature(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("sms",))
    await h.publish("registry", ev.registered(hid))
    await _queued(h, 2)
    await h.send()

    async def delivered() -> bool:
        return [r["state"] for r in await h.rows(channel="sms")] == ["delivered"]

    await wait_until(delivered)
    [sms] = await h.rows(channel="sms")
    assert sms["receipt_status"] == "delivered"

    forged = json.dumps(
        {
            "id": "prov-x",
            "reference": str(sms["id"]),
            "status": "failed",
            "occurred_at": "2026-11-25T10:00:00+00:00",
        }
    ).encode()
    bad = {"X-Signature-Timestamp": str(int(time.time())), "X-Signature": "v1=" + "0" * 64}
    answer = await h.svc.client.post("/v1/delivery-receipts", content=forged, headers=bad)
    assert answer.status_code == 401
    unsigned = await h.svc.client.post("/v1/delivery-receipts", content=forged)
    assert unsigned.status_code == 401
    [sms] = await h.rows(channel="sms")
    assert sms["state"] == "delivered"

    # Signed, but it contradicts the final "delivered": ignored.
    signed = await h.svc.client.post(
        "/v1/delivery-receipts", content=forged, headers=h.provider.signed(forged)
    )
    assert signed.status_code == 200
    assert signed.json()["applied"] is False  # already delivered: a late contradiction is ignored


async def test_export_and_erasure(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("email",))
    other = h.world.household(channels=("email",))
    lid = h.world.landlord()
    made = ev.offer_made(hid, lid)
    await h.publish("registry", ev.registered(hid), ev.registered(other))
    await h.publish("matching", made)
    await _queued(h, 8)

    token = h.keys.signer.mint(sub="svc-registry", audience="notifications")
    export = await h.svc.client.get(
        f"/internal/v1/households/{hid}/export", headers={"Authorization": f"Bearer {token}"}
    )
    assert export.status_code == 200
    part = export.json()
    assert part["service"] == "notifications"
    assert {m["template"] for m in part["messages"]} == {
        "household.application_received",
        "household.offer_made",
    }
    staff = await h.svc.client.get(f"/internal/v1/households/{hid}/export", headers=h.staff())
    assert staff.status_code == 403

    erasure = registry.HouseholdErased(household_id=hid, erasure_id=uuid.uuid4())
    await h.publish("registry", erasure)

    async def erased() -> bool:
        return not await h.rows(recipient_key=hid)

    await wait_until(erased)
    assert len(await h.rows(recipient_key=other)) == 2
    assert not [r for r in await table_rows(h.svc, "offer_fact") if r["household_id"] == hid]
    confirmations: list[dict[str, Any]] = [
        json.loads(r["payload"])
        for r in await table_rows(h.svc, "outbox_event")
        if r["subject"] == "notifications.household.erased.v1"
    ]
    assert confirmations == [confirmations[0] | {"erasure_id": str(erasure.erasure_id)}]
    # Later offer events about the erased household queue nothing for it.
    await h.publish("matching", ev.follow(made, matching.OfferExpired, 2))
    await h.publish("registry", ev.registered(other))

    async def later_event_handled() -> bool:
        return len(await h.rows(recipient_key=other)) == 4

    await wait_until(later_event_handled)
    assert not await h.rows(recipient_key=hid)
