"""Delivery under faults: SMTP down, provider refusals, opt-outs, sender crashes (T9), caps (T19)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.controller import Controller

from notifications.catalog import NotificationLimits
from notifications.models import Message
from notifications.sending_caps import check_caps, day_bounds
from shared import faults
from shared.faults import SimulatedCrash
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


async def _outbox_subjects(h: Harness) -> list[str]:
    return [r["subject"] for r in await table_rows(h.svc, "outbox_event")]


async def test_smtp_down_is_retried_and_delivered_when_it_returns(
    harness: Harness, smtp: Controller
) -> None:
    h = harness
    hid = h.world.household(channels=("email",))
    await h.publish("registry", ev.registered(hid))
    await _queued(h, 2)
    smtp.stop()
    await h.send()
    [row] = await h.rows(channel="email")
    assert (row["state"], row["error_code"], row["attempts"]) == ("pending", "smtp_connect", 1)
    await h.send(after=timedelta(seconds=2))  # still down: backs off again, nothing lost
    back = Controller(h.sink, hostname="127.0.0.1", port=smtp.port)
    back.start()
    try:
        await h.send(after=timedelta(minutes=5))
    finally:
        back.stop()
    [row] = await h.rows(channel="email")
    assert row["state"] == "sent"
    assert row["attempts"] >= 2
    assert len(h.emails()) == 1
    assert "notifications.message.sent.v1" in await _outbox_subjects(h)


async def test_provider_refusal_is_recorded_and_email_goes_instead(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("email", "sms"))
    h.provider.fail_next.append(400)
    await h.publish("registry", ev.registered(hid))
    await _queued(h, 2)
    await h.send()
    [sms] = await h.rows(channel="sms")
    assert (sms["state"], sms["error_code"]) == ("failed", "sms_rejected")
    [mail] = await h.rows(channel="email")
    assert mail["state"] == "sent"
    assert len(h.emails()) == 1
    failed = [r for r in await table_rows(h.svc, "outbox_event") if "failed" in r["subject"]]
    assert len(failed) == 1
    assert str(hid) in failed[0]["payload"]  # the recipient id, no content
    assert "@" not in failed[0]["payload"]


async def test_sms_fallback_creates_the_email_when_only_sms_was_queued(harness: Harness) -> None:
    """A permanent SMS failure on a message whose email row does not exist adds one."""
    from sqlalchemy import delete

    from notifications.models import Message

    h = harness
    hid = h.world.household(channels=("email", "sms"))
    h.provider.fail_next.append(422)
    await h.publish("registry", ev.registered(hid))
    await _queued(h, 2)
    async with h.svc.runtime.db.uow() as uow:
        await uow.session.execute(delete(Message).where(Message.channel == "email"))  # type: ignore[arg-type]
        await uow.commit()
    await h.send()
    await h.send()
    states = sorted((r["channel"], r["state"]) for r in await h.rows())
    assert states == [("email", "sent"), ("sms", "failed")]


async def test_opted_out_of_sms_gets_email_only(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("email",))
    await h.publish("registry", ev.registered(hid), ev.eligibility(hid, eligible=True))
    await _queued(h, 4)
    await h.send()
    states = Counter((r["channel"], r["state"], r["error_code"]) for r in await h.rows())
    assert states == {("email", "sent", None): 2, ("sms", "skipped", "no_consent"): 2}
    assert h.provider.requests == []
    assert len(h.emails()) == 2


async def test_sms_cap_defers_and_sends_after_the_reset(harness: Harness) -> None:
    """T19: at most 3 SMS per household per day; the rest wait for the next day, none is dropped."""
    h = harness
    hid = h.world.household(channels=("sms",))
    events = [ev.registered(hid)] + [ev.suspended(hid) for _ in range(4)]
    await h.publish("registry", *events)
    await _queued(h, 10)
    now = datetime.now(UTC) + timedelta(seconds=1)
    await h.sender.run_once(now=now)
    await h.sender.run_once(now=now + timedelta(minutes=1))
    assert len(h.provider.delivered) == 3
    _, reset = day_bounds(now, timezone="Europe/Rome")
    waiting = await h.rows(channel="sms", state="pending")
    assert len(waiting) == 2
    assert all(r["error_code"] == "cap_reached" for r in waiting)
    await h.sender.run_once(now=reset - timedelta(seconds=1))
    assert len(h.provider.delivered) == 3
    await h.sender.run_once(now=reset + timedelta(seconds=1))
    assert len(h.provider.delivered) == 5
    assert {r["state"] for r in await h.rows(channel="sms")} <= {"sent", "delivered"}


@pytest.mark.parametrize(
    "point", ["sender.after_claim_before_send", "sender.after_send_before_mark"]
)
async def test_a_sender_crash_loses_nothing_and_resends_only_after_the_send(
    harness: Harness, point: str
) -> None:
    """T9 fast: crash at each sender crash point, then a fresh sender after the claim expires."""
    h = harness
    hid = h.world.household(channels=("email", "sms"))
    await h.publish("registry", ev.registered(hid))
    await _queued(h, 2)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for _ in range(2):  # one crash per message (email, then SMS)
        faults.arm(point)
        with pytest.raises(SimulatedCrash):
            await h.sender.run_once(now=now)
    faults.disarm()
    assert {r["state"] for r in await h.rows()} == {"sending"}
    fresh = h.fresh_sender()
    await fresh.run_once(now=now + timedelta(seconds=30))  # claims still live: nothing
    assert {r["state"] for r in await h.rows()} == {"sending"}
    await fresh.run_once(now=now + timedelta(seconds=61))
    assert {r["state"] for r in await h.rows()} <= {"sent", "delivered"}
    emails = h.emails()
    if point == "sender.after_claim_before_send":
        assert len(emails) == 1
        assert len(h.provider.requests) == 1
    else:
        assert len(emails) == 2  # the one measured duplicate, recognisable downstream
        assert emails[0]["Message-ID"] == emails[1]["Message-ID"]
        assert len(h.provider.requests) == 2
        assert len(h.provider.delivered) == 1  # the provider honoured the idempotency key
    assert len(h.provider.delivered) == 1


async def test_a_message_a_dead_sender_may_have_sent_counts_toward_the_sms_cap(
    harness: Harness,
) -> None:
    """T9 regression (chaos seed 919463): an SMS sent just before its sender died stays `sending`
    after its claim expires; it must still take its place under the household's daily cap, or
    the next SMS goes out and the household gets one more than the cap."""
    h = harness
    cap = NotificationLimits().sms_per_household_per_day
    hid = h.world.household(channels=("sms",))
    await h.publish("registry", ev.registered(hid), *[ev.suspended(hid) for _ in range(cap)])
    await _queued(h, cap + 1)
    now = datetime.now(UTC) + timedelta(seconds=1)
    faults.arm("sender.after_send_before_mark", nth=cap)
    with pytest.raises(SimulatedCrash):
        await h.sender.run_once(now=now)
    faults.disarm()
    assert len(h.provider.delivered) == cap
    [waiting] = await h.rows(state="pending", channel="sms")
    row = Message.model_validate({**waiting, "params": waiting["params"]})
    later = now + timedelta(seconds=h.sender.policy.claim_s + 1)  # the dead sender's claim expired
    async with h.svc.runtime.db.uow() as uow:
        deferred = await check_caps(uow.session, row=row, policy=h.sender.policy.caps, now=later)
    assert deferred is not None
    await h.fresh_sender().run_once(now=later)
    assert len({d["reference"] for d in h.provider.delivered}) == cap


async def test_an_sms_whose_answer_was_lost_keeps_its_place_under_the_cap(
    harness: Harness,
) -> None:
    """T9 regression (chaos seed 552509): the provider sent an SMS but its answer was lost, so the
    message waits to retry; the household's next SMS must not take its place under the cap."""
    h = harness
    cap = NotificationLimits().sms_per_household_per_day
    hid = h.world.household(channels=("sms",))
    await h.publish("registry", ev.registered(hid), *[ev.suspended(hid) for _ in range(cap)])
    await _queued(h, cap + 1)
    h.provider.lose_next_answers = 1
    now = datetime.now(UTC) + timedelta(seconds=1)
    await h.sender.run_once(now=now)
    assert len(h.provider.delivered) == cap  # the lost answer's SMS went out too
    await h.sender.run_once(now=now + timedelta(minutes=1))  # its retry: a replay, not a send
    assert len({d["reference"] for d in h.provider.delivered}) == cap
    rows = await h.rows(channel="sms")
    assert sum(r["state"] in ("sent", "delivered") for r in rows) == cap
    assert [r["error_code"] for r in rows if r["state"] == "pending"] == ["cap_reached"]


async def test_no_contact_or_canary_in_events_logs_or_tables(harness: Harness, caplog: Any) -> None:
    """T21: contacts exist only in the fake providers' records for that household."""
    h = harness
    canary_mail = "canary.rossi.zq9@example.org"
    canary_phone = "+393479990001"
    hid = h.world.household(channels=("email", "sms"), email_addr=canary_mail, mobile=canary_phone)
    caplog.set_level("DEBUG")
    await h.publish("registry", ev.registered(hid), ev.eligibility(hid, eligible=False))
    await _queued(h, 4)
    await h.send()
    assert any(canary_mail in str(to) for _f, to, _raw in h.sink.messages)
    assert any(d["to"] == canary_phone for d in h.provider.delivered)
    for table in ("message", "outbox_event", "processed_event", "dead_letter", "offer_fact"):
        dump = str(await table_rows(h.svc, table))
        assert canary_mail not in dump
        assert canary_phone not in dump
    # Our process's records; "mail.log" is the local SMTP server's own log (the outside world).
    ours = "\n".join(
        f"{r.getMessage()} {r.__dict__}" for r in caplog.records if not r.name.startswith("mail.")
    )
    assert ours
    assert canary_mail not in ours
    assert canary_phone not in ours
    listed = await h.svc.client.get("/v1/messages", headers=h.staff())
    assert listed.status_code == 200
    assert canary_mail not in listed.text
    assert canary_phone not in listed.text
