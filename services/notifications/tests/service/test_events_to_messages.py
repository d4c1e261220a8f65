"""Each consumed event becomes the right message, in the recipient's language, through the real
local SMTP server and the local SMS provider; redeliveries add nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from shared.events import landlords, matching
from shared.testing.producing import inject
from shared.testing.waiting import wait_until

if TYPE_CHECKING:
    from services.notifications.tests.service import notifications_events as ev
    from services.notifications.tests.service.conftest import DOMAIN, LINK, Harness
else:
    import notifications_events as ev
    from conftest import DOMAIN, LINK, Harness


async def _rows_for(h: Harness, n: int, **match: Any) -> list[dict[str, Any]]:
    async def arrived() -> bool:
        return len(await h.rows(**match)) >= n

    await wait_until(arrived)
    return await h.rows(**match)


async def test_every_event_reaches_its_recipient_in_their_language(harness: Harness) -> None:
    h = harness
    hid = h.world.household(language="en")
    lid = h.world.landlord(language="it")
    uuid_unit = uuid.uuid4()
    unit = ev.unit_submitted(lid, uuid_unit)
    made = ev.offer_made(hid, lid, unit_id=uuid_unit)
    await h.publish(
        "registry", ev.registered(hid, language="en"), ev.eligibility(hid, eligible=False)
    )
    await h.publish("registry", ev.suspended(hid))
    await h.publish(
        "landlords",
        landlords.LandlordOnboarded(entity_version=1, landlord_id=lid),
        unit,
        ev.unit_rejected(lid, uuid_unit),
    )
    await h.publish(
        "matching",
        made,
        ev.follow(made, matching.OfferDeclined, 2, by="household", reason_code="TOO_FAR"),
        ev.unmatched(hid),
    )
    household_kinds = {
        "household.application_received",
        "household.eligibility_outcome",
        "household.status_changed",
        "household.offer_made",
        "household.round_not_matched",
    }
    landlord_kinds = {
        "landlord.welcome",
        "landlord.unit_received",
        "landlord.unit_rejected",
        "landlord.offer_on_unit",
        "landlord.household_answered",
    }
    # Household kinds go by email and SMS (both consented); landlord ones by email only here.
    expected = 2 * len(household_kinds) + len(landlord_kinds) + 1  # offer_on_unit has an SMS row
    await _rows_for(h, expected)
    await h.send()
    # Five household SMS in a day: three go now, two wait for the cap's reset (T19).
    assert len(h.provider.delivered) == 3
    deferred = await h.rows(channel="sms", state="pending", error_code="cap_reached")
    assert len(deferred) == 2
    await h.send(after=timedelta(days=1, seconds=1))
    rows = await h.rows()
    assert {r["template"] for r in rows} == household_kinds | landlord_kinds
    by_state = {(r["template"], r["channel"]): r["state"] for r in rows}
    assert all(by_state[(k, "email")] == "sent" for k in household_kinds), by_state
    # SMS receipts come back signed from the provider and are applied by the callback.
    assert all(by_state[(k, "sms")] in ("sent", "delivered") for k in household_kinds)
    assert all(by_state[(k, "email")] == "sent" for k in landlord_kinds)
    assert by_state[("landlord.offer_on_unit", "sms")] == "skipped"  # the landlord prefers email

    emails = h.emails()
    assert len(emails) == len(household_kinds) + len(landlord_kinds)
    to_household = [m for m in emails if m["To"].addresses[0].addr_spec.startswith("h-")]
    assert {m["Content-Language"] for m in to_household} == {"en"}
    to_landlord = [m for m in emails if m["To"].addresses[0].addr_spec.startswith("l-")]
    assert {m["Content-Language"] for m in to_landlord} == {"it"}
    ids = {str(r["id"]) for r in rows}
    for m in emails:
        assert m["Message-ID"].endswith(f"@{DOMAIN}>")
        assert m["Message-ID"][1:].split("@")[0] in ids
    offer_mail = next(m for m in to_household if "offer" in m["Subject"].lower())
    assert "Cremona" in offer_mail["Subject"]
    assert LINK in offer_mail.get_body(("plain",)).get_content()  # fetched at send time

    texts = [d["text"] for d in h.provider.delivered]
    assert len(texts) == len(household_kinds)
    assert any(LINK in t for t in texts)
    sms_ids = {
        str(r["id"]) for r in rows if r["channel"] == "sms" and r["state"] in ("sent", "delivered")
    }
    keys = {r.headers["idempotency-key"] for r in h.provider.requests}
    assert keys == sms_ids
    # No link, contact or body was stored.
    for r in rows:
        assert LINK not in str(r["params"])


async def test_a_storm_of_100_redeliveries_queues_one_message(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("email",))
    event = ev.registered(hid)
    payload = event.model_dump_json().encode()
    await inject(h.nats, user="registry", messages=[(event.subject, payload)] * 100)
    await _rows_for(h, 2, event_id=event.event_id)

    async def all_copies_handled() -> bool:
        lags = [await c.refresh_lag() for c in h.svc.runtime.consumers]
        return not any(lags)

    await wait_until(all_copies_handled, within=20)
    await h.send()
    await h.send()
    rows = await h.rows(event_id=event.event_id)
    assert sorted((r["channel"], r["state"]) for r in rows) == [
        ("email", "sent"),
        ("sms", "skipped"),
    ]
    assert len(h.emails()) == 1
    assert h.provider.requests == []


async def test_a_booked_visit_tells_both_sides_the_date_in_their_language(harness: Harness) -> None:
    h = harness
    hid = h.world.household(language="it")
    lid = h.world.landlord(language="en")
    made = ev.offer_made(hid, lid, unit_id=uuid.uuid4())
    visit_at = made.respond_by - timedelta(days=2)
    booked = ev.follow(made, matching.OfferVisitBooked, 2, visit_at=visit_at)
    await h.publish("registry", ev.registered(hid, language="it"))
    await h.publish("matching", made, booked, booked)  # a redelivered copy adds nothing
    kinds = {"household.visit_booked", "landlord.visit_booked"}
    await _rows_for(h, 2, template="household.visit_booked")
    await _rows_for(h, 1, template="landlord.visit_booked")
    await h.send()
    rows = [r for r in await h.rows() if r["template"] in kinds]
    assert sorted((r["template"], r["channel"]) for r in rows) == [
        ("household.visit_booked", "email"),
        ("household.visit_booked", "sms"),
        ("landlord.visit_booked", "email"),
    ]
    mails = {m["To"].addresses[0].addr_spec[0]: m for m in h.emails() if "isit" in m["Subject"]}
    day = visit_at.astimezone(ZoneInfo("Europe/Rome"))
    assert mails["h"]["Content-Language"] == "it"
    assert mails["h"]["Subject"].startswith("Visita dell'alloggio a Cremona")
    assert day.strftime("%H:%M") in mails["h"]["Subject"]
    assert mails["l"]["Content-Language"] == "en"
    assert f"Unit {made.unit_id}" in mails["l"]["Subject"]
    sms = [d["text"] for d in h.provider.delivered if "visita" in d["text"]]
    assert len(sms) == 1
    assert day.strftime("%H:%M") in sms[0]


async def test_an_offer_closed_before_its_message_went_out_is_skipped_not_failed(
    harness: Harness,
) -> None:
    h = harness
    hid = h.world.household(language="it")
    made = ev.offer_made(hid, h.world.landlord())
    h.world.closed_offers.add(str(made.offer_id))  # answered by the caseworker in the meantime
    await h.publish("registry", ev.registered(hid, language="it"))
    await h.publish("matching", made)
    await _rows_for(h, 2, template="household.offer_made")
    await h.send()
    rows = await h.rows(template="household.offer_made")
    assert {(r["channel"], r["state"], r["error_code"]) for r in rows} == {
        ("email", "skipped", "offer_closed"),
        ("sms", "skipped", "offer_closed"),
    }
    to_household = [m for m in h.emails() if m["To"].addresses[0].addr_spec.startswith("h-")]
    assert [m["Subject"] for m in to_household] == ["Abbiamo ricevuto la Sua domanda"]
