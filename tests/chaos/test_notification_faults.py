"""Chaos: notifications at most once while the sender is killed 20x at sender.* (T9).

Notifications runs as a real process on the chaos broker. The other services' contact and link
endpoints (World), the SMS provider and an SMTP server run in this test process on 127.0.0.1.
Phase 1: the SMS provider ignores idempotency keys; phase 2: it honours them. Both providers fail
20 % of calls before sending anything. Each offer event is injected twice with fresh Nats-Msg-Ids.
A duplicate counts as the measured exception of R8 only when a kill falls between its copies; the
sender serves `sender_concurrency` recipients at once, so one kill can resend up to that many.
"""

from __future__ import annotations

import asyncio
import bisect
import email
import email.policy
import itertools
import random
import signal
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from notifications.catalog import NotificationLimits
from notifications.settings import Settings
from shared.events.matching import OfferMade
from shared.testing.chaos import ServiceProcess, consumer_state, wait_for, write_report
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer
from shared.testing.producing import inject

_TESTS = Path(__file__).resolve().parents[2] / "services" / "notifications" / "tests"
sys.path[:0] = [str(_TESTS), str(_TESTS / "service"), str(_TESTS / "delivery")]

if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import (
        free_port,
        serve,
    )
    from services.notifications.tests.service import notifications_events as ev
    from services.notifications.tests.service.notifications_world import World
    from services.notifications.tests.sms_provider_app import FakeSmsProvider
else:
    import notifications_events as ev
    from notifications_delivery_helpers import free_port, serve
    from notifications_world import World
    from sms_provider_app import FakeSmsProvider

Stack = Callable[..., Awaitable[ServiceProcess]]
SENDER_POINTS = ("sender.after_claim_before_send", "sender.after_send_before_mark")
KILLS_PER_PHASE = 10  # 20 in all, half in each provider mode
EVENTS_PER_PHASE = 500  # 1,000 offer events in all
COPIES = 2  # each event delivered twice, with fresh Nats-Msg-Ids
OVER_CAP_HOUSEHOLDS = 50  # per phase: households with one offer more than their daily SMS cap
FAIL_SHARE = 0.2  # of provider calls (SMS and SMTP), refused before anything is sent
SMS_KEY = "chaos-provider-key"
DOMAIN = "notifications.abitare.test"
SENDER_CLAIM_S = 3.0  # the R8 claim, shortened so a killed claim is taken again within the test
DONE = {"sent", "delivered"}
ACCOUNTED = {"skipped", "failed"}  # with an error_code: a reason, never silence


class FlakyProvider(FakeSmsProvider):
    """The SMS fake refusing a seeded share of calls with 503 before sending anything, and
    stamping each delivery with the moment it happened (to pin duplicates on kills)."""

    def __init__(self, *, seed: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.rng = random.Random(f"sms:{seed}")
        self.delivered_at: list[float] = []
        self.refused = 0

    async def _send(self, request: Request) -> Response:
        if self.rng.random() < FAIL_SHARE:
            self.refused += 1
            return JSONResponse({"error": "injected"}, status_code=503)
        before = len(self.delivered)
        response = await super()._send(request)
        self.delivered_at += [time.monotonic()] * (len(self.delivered) - before)
        return response


@dataclass
class MailRecord:
    message_id: str
    to: str
    body: str
    at: float


class FlakySmtp:
    """An aiosmtpd handler that answers 451 to a seeded share of messages and records the rest."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"smtp:{seed}")
        self.accepted: list[MailRecord] = []
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.rng.random() < FAIL_SHARE:
                self.refused += 1
                return "451 4.3.0 Try again later"
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            plain = parsed.get_body(("plain",))
            body = plain.get_content() if plain is not None else ""
            self.accepted.append(
                MailRecord(str(parsed["Message-ID"]), str(parsed["To"]), body, time.monotonic())
            )
            return "250 Message accepted for delivery"


@dataclass
class SenderKiller:
    """Arms the next sender crash point for each restart (the supervisor starts with `env`)."""

    proc: ServiceProcess
    kills: list[tuple[str, float, int | None]] = field(default_factory=list)

    async def run(self, schedule: list[str], until: float) -> None:
        """Count each death as the next kill of `schedule`; after the last, start disarmed."""
        done = 0
        while done < len(schedule) and time.monotonic() < until:
            await asyncio.sleep(0.01)
            if self.proc.alive or self.proc.proc is None:
                continue
            self.kills.append(
                (schedule[done].split(":")[0], time.monotonic(), self.proc.proc.poll())
            )
            done += 1
            self.proc.env["HOUSING_CRASH_AT"] = schedule[done] if done < len(schedule) else ""
            restarts = self.proc.restarts
            for _ in range(1000):  # until the supervisor has started the next process
                if self.proc.restarts > restarts or time.monotonic() > until:
                    break
                await asyncio.sleep(0.01)
        assert done == len(schedule), f"{done} of {len(schedule)} kills before the deadline"


async def _message_rows(url: str) -> list[dict[str, Any]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT id, event_id, channel, recipient_kind, recipient_key, state, "
                    "error_code, next_attempt_at, attempts FROM message"
                )
            )
            rows = [dict(r._mapping) for r in result]
    finally:
        await engine.dispose()
    for row in rows:
        for key in ("id", "event_id", "recipient_key"):
            row[key] = str(uuid.UUID(str(row[key])))
    return rows


async def _dead_event_ids(url: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text("SELECT event_id FROM dead_letter"))
            return [str(v) for v in result.scalars()]
    finally:
        await engine.dispose()


def _deferred(row: dict[str, Any], now: datetime) -> bool:
    """Waiting for the cap's reset (the next local day), not stuck."""
    due = row["next_attempt_at"]
    if due is not None and due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    return (
        row["state"] == "pending"
        and row["error_code"] == "cap_reached"
        and due is not None
        and due > now + timedelta(minutes=1)
    )


async def _settled(url: str, expected: int) -> bool:
    """Every expected message is there and none is still due or being sent (cap waits aside)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            total, open_ = (
                await conn.execute(
                    text(
                        "SELECT count(*), coalesce(sum(CASE WHEN state IN ('pending', 'sending') "
                        "AND NOT (error_code = 'cap_reached' AND next_attempt_at > :soon) "
                        "THEN 1 ELSE 0 END), 0) FROM message"
                    ),
                    {"soon": datetime.now(UTC) + timedelta(minutes=1)},
                )
            ).one()
    finally:
        await engine.dispose()
    return bool(total >= expected and open_ == 0)


def _offer_events(
    world: World, *, count: int, over_cap: int, cap: int, first_phone: int
) -> list[OfferMade]:
    """`over_cap` households get cap + 1 offers each, the rest of the events one household each."""
    events: list[OfferMade] = []
    phone = first_phone
    while len(events) < count:
        repeat = cap + 1 if len(events) < over_cap * (cap + 1) else 1
        hid = world.household(channels=("email", "sms"), mobile=f"+39347{phone:07d}")
        phone += 1
        for _ in range(repeat):
            events.append(ev.offer_made(hid, world.landlord()))
    return events[:count]


async def test_t9_notifications_at_most_once_through_20_sender_kills(
    stack: Stack, chaos_streams: NatsServer, chaos_databases: PostgresDatabases, chaos_seed: int
) -> None:
    rng = random.Random(chaos_seed)
    cap = NotificationLimits().sms_per_household_per_day
    world = World(link_per_offer=True)
    provider = FlakyProvider(seed=chaos_seed, api_key=SMS_KEY, honour_idempotency=False)
    smtp = FlakySmtp(chaos_seed)
    smtp_port = free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    url = chaos_databases.urls["notifications"]
    started = time.monotonic()
    deadline = started + 480
    # Kills spaced by 5-40 hits of their point, alternating the two sender points.
    schedules = [
        [f"{SENDER_POINTS[i % 2]}:{rng.randint(5, 40)}" for i in range(KILLS_PER_PHASE)]
        for _phase in range(2)
    ]
    try:
        async with serve(world.app) as world_url, serve(provider.app) as provider_url:
            proc = await stack(
                "notifications",
                faults={"HOUSING_CRASH_AT": schedules[0][0], "CHAOS_SEED": str(chaos_seed)},
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp_port),
                SMTP_MESSAGE_ID_DOMAIN=DOMAIN,
                SMTP_TIMEOUT_S="5",
                SMS_PROVIDER_URL=provider_url,
                SMS_PROVIDER_KEY=SMS_KEY,
                SERVICE_URLS=(
                    f'{{"registry": "{world_url}", "landlords": "{world_url}", '
                    f'"matching": "{world_url}"}}'
                ),
                SENDER_POLL_S="0.05",
                SENDER_BATCH="50",
                SENDER_CLAIM_S=str(SENDER_CLAIM_S),
                SENDER_RETRY_BASE_S="0.2",
                SENDER_RETRY_CAP_S="1",
            )
            killer = SenderKiller(proc)
            phases: list[dict[str, Any]] = []
            all_events: list[OfferMade] = []
            for phase, schedule in enumerate(schedules):
                honour = phase == 1
                if honour:
                    # Between the modes, with nothing in flight: a graceful restart arms phase 2.
                    provider.honour_idempotency = True
                    proc.env["HOUSING_CRASH_AT"] = schedule[0]
                    restarts = proc.restarts
                    assert proc.proc is not None
                    proc.proc.send_signal(signal.SIGTERM)

                    async def restarted(before: int = restarts) -> bool:
                        return proc.restarts > before

                    await wait_for(restarted, within=30, every=0.05)
                    await proc.wait_ready()
                phase_started = time.monotonic()
                first_delivery = len(provider.delivered)
                first_mail = len(smtp.accepted)
                first_kill = len(killer.kills)
                events = _offer_events(
                    world,
                    count=EVENTS_PER_PHASE,
                    over_cap=OVER_CAP_HOUSEHOLDS,
                    cap=cap,
                    first_phone=phase * 10_000,
                )
                all_events += events
                killing = asyncio.create_task(killer.run(schedule, deadline))
                payloads = [(e.subject, e.model_dump_json().encode()) for e in events]
                await inject(chaos_streams, user="matching", messages=payloads * COPIES)
                expected_rows = len(all_events) * 4  # household and landlord, email and SMS

                async def settled(
                    expected: int = expected_rows, task: asyncio.Task[None] = killing
                ) -> bool:
                    if not task.done():
                        return False
                    pending, unacked = await consumer_state(
                        chaos_streams, "MATCHING", "notifications-matching"
                    )
                    return pending + unacked == 0 and await _settled(url, expected)

                settle_s = await wait_for(settled, within=deadline - time.monotonic(), every=0.5)
                killing.result()
                phases.append(
                    {
                        "mode": "honour" if honour else "ignore",
                        "deliveries": (first_delivery, len(provider.delivered)),
                        "mails": (first_mail, len(smtp.accepted)),
                        "kills": killer.kills[first_kill:],
                        "duration_s": round(time.monotonic() - phase_started, 1),
                        "settle_s": round(settle_s, 1),
                    }
                )
            rows = await _message_rows(url)
            dead = await _dead_event_ids(url)
    finally:
        controller.stop()

    figures, passed = _judge(
        rows=rows,
        dead=dead,
        events=all_events,
        world=world,
        provider=provider,
        smtp=smtp,
        phases=phases,
        cap=cap,
    )
    figures["restarts"] = proc.restarts
    figures["duration_s"] = round(time.monotonic() - started, 1)
    write_report(
        "T9 notifications at most once",
        seed=chaos_seed,
        figures=figures,
        passed=passed,
        headline=[
            "events",
            "kills",
            "lost",
            "dup_sms_ignore",
            "dup_sms_honour",
            "dup_emails",
            "max_sms_per_household",
            "duration_s",
        ],
    )
    assert passed, figures


def _judge(
    *,
    rows: list[dict[str, Any]],
    dead: list[str],
    events: list[OfferMade],
    world: World,
    provider: FlakyProvider,
    smtp: FlakySmtp,
    phases: list[dict[str, Any]],
    cap: int,
) -> tuple[dict[str, Any], bool]:
    now = datetime.now(UTC)
    # Messages in flight at once: a kill can resend each of them once (R8's measured exception).
    concurrency = int(Settings.model_fields["sender_concurrency"].default)
    by_effect = {(r["event_id"], r["channel"], r["recipient_key"]): r for r in rows}
    expected = {
        (str(e.event_id), channel, str(recipient))
        for e in events
        for recipient in (e.household_id, e.landlord_id)
        for channel in ("email", "sms")
    }
    dead_events = set(dead)
    lost = 0
    for effect in expected:
        row = by_effect.get(effect)
        if row is None:
            lost += effect[0] not in dead_events
        elif not (
            row["state"] in DONE
            or (row["state"] in ACCOUNTED and row["error_code"])
            or _deferred(row, now)
        ):
            lost += 1
    sent_sms = {r["id"] for r in rows if r["channel"] == "sms" and r["state"] in DONE}
    sent_mail = {r["id"] for r in rows if r["channel"] == "email" and r["state"] in DONE}
    delivered_refs = [d["reference"] for d in provider.delivered]
    mail_ids = {m.message_id for m in smtp.accepted}
    # A row marked sent whose message never reached the provider or the SMTP server is lost too.
    lost += len(sent_sms - set(delivered_refs))
    lost += sum(f"<{i}@{DOMAIN}>" not in mail_ids for i in sent_mail)
    unexpected = len(set(delivered_refs) - {r["id"] for r in rows})

    kills = [k for p in phases for k in p["kills"]]
    kills_per_point = Counter(point for point, _at, _rc in kills)
    not_sigkill = [rc for _p, _at, rc in kills if rc != -signal.SIGKILL]

    # A duplicate is explained when a kill falls between its first copy and the next: the sender
    # died before marking the message sent. Any other duplicate breaks at-most-once.
    kill_times = sorted(at for _p, at, _rc in kills)
    resent_by_kill: Counter[int] = Counter()

    def unexplained(times: list[float]) -> int:
        missing = 0
        for first, again in itertools.pairwise(sorted(times)):
            killed = bisect.bisect_left(kill_times, first)
            if killed < len(kill_times) and kill_times[killed] <= again:
                resent_by_kill[killed] += 1
            else:
                missing += 1
        return missing

    dup_sms: dict[str, int] = {}
    unexplained_sms = 0
    for phase in phases:
        lo, hi = phase["deliveries"]
        times: dict[str, list[float]] = defaultdict(list)
        for i in range(lo, hi):
            times[delivered_refs[i]].append(provider.delivered_at[i])
        dup_sms[phase["mode"]] = sum(len(t) - 1 for t in times.values())
        unexplained_sms += sum(unexplained(t) for t in times.values() if len(t) > 1)
        phase["send_kills"] = sum(
            1 for point, _a, _r in phase["kills"] if point == "sender.after_send_before_mark"
        )

    # Duplicate emails found by content (recipient and body, unique per message here), then
    # checked for one shared Message-ID.
    copies: dict[tuple[str, str], list[MailRecord]] = defaultdict(list)
    for mail in smtp.accepted:
        copies[(mail.to, mail.body)].append(mail)
    dup_groups = [group for group in copies.values() if len(group) > 1]
    dup_emails = sum(len(g) - 1 for g in dup_groups)
    dup_emails_shared_id = sum(
        len(g) - 1 for g in dup_groups if len({m.message_id for m in g}) == 1
    )
    unexplained_emails = sum(unexplained([m.at for m in g]) for g in dup_groups)

    household_of_phone = {h["mobile"]: k for k, h in world.households.items()}
    per_household = Counter(
        household_of_phone[d["to"]]
        for d in {d["reference"]: d for d in provider.delivered}.values()
    )
    sent_rows_per_household = Counter(
        r["recipient_key"]
        for r in rows
        if r["channel"] == "sms" and r["recipient_kind"] == "household" and r["state"] in DONE
    )
    deferred = sum(_deferred(r, now) for r in rows)
    ignore, honour = phases
    figures: dict[str, Any] = {
        "events": len(events),
        "copies": COPIES,
        "messages": len(rows),
        "kills": len(kills),
        "kills_after_claim": kills_per_point["sender.after_claim_before_send"],
        "kills_after_send": kills_per_point["sender.after_send_before_mark"],
        "kills_after_send_ignore": ignore["send_kills"],
        "kills_not_sigkill": len(not_sigkill),
        "lost": lost,
        "unexpected_sms": unexpected,
        "dead_letters": len(dead),
        "failed_with_reason": sum(r["state"] == "failed" for r in rows),
        "skipped_with_reason": sum(r["state"] == "skipped" for r in rows),
        "deferred_by_cap": deferred,
        "sms_delivered": len(delivered_refs),
        "emails_delivered": len(smtp.accepted),
        "provider_refusals": provider.refused,
        "smtp_refusals": smtp.refused,
        "dup_sms_ignore": dup_sms["ignore"],
        "dup_sms_honour": dup_sms["honour"],
        "dup_sms_unexplained": unexplained_sms,
        "dup_emails": dup_emails,
        "dup_emails_shared_message_id": dup_emails_shared_id,
        "dup_emails_unexplained": unexplained_emails,
        "max_resent_per_kill": max(resent_by_kill.values(), default=0),
        "sender_concurrency": concurrency,
        "spec_literal_ignore_bound": dup_sms["ignore"] <= ignore["send_kills"],
        "over_cap": [
            sorted(
                (r["state"], r["error_code"], r["attempts"])
                for r in rows
                if r["recipient_key"] == h and r["channel"] == "sms"
            )
            for h, n in per_household.items()
            if n > cap
        ],
        "max_sms_per_household": max(per_household.values(), default=0),
        "max_sent_rows_per_household": max(sent_rows_per_household.values(), default=0),
        "sms_cap": cap,
        "phase_s": [ignore["duration_s"], honour["duration_s"]],
        "settle_s": [ignore["settle_s"], honour["settle_s"]],
    }
    passed = (
        lost == 0
        and unexpected == 0
        and len(kills) == 2 * KILLS_PER_PHASE
        and not not_sigkill
        and dup_sms["honour"] == 0
        and unexplained_sms == 0
        and unexplained_emails == 0
        and figures["max_resent_per_kill"] <= concurrency
        and dup_emails == dup_emails_shared_id
        and figures["max_sms_per_household"] <= cap
        and figures["max_sent_rows_per_household"] <= cap
        and deferred >= 2 * OVER_CAP_HOUSEHOLDS  # the cap path ran: one waiting SMS each
        and provider.refused > 0
        and smtp.refused > 0
    )
    return figures, passed
