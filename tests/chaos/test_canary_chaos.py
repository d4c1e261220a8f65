"""T21 (chaos, full): 100 households carrying canaries in every personal field go through the whole
process on the real-process stack (tests/e2e's: `python -m <service>`, nats-server, a real SMTP
server, SMS to a file, PostgreSQL) while registry, matching and notifications are SIGKILLed
mid-flow and restarted: during registration, mid-round, while offers are consumed and while
messages are sent. Then every log file and stderr (DEBUG), every stream message (read as ops),
every database, the problem bodies seen, each service's /metrics and the SMTP/SMS records are
scanned: no canary anywhere but the registry's own tables, the household's export, and the
providers' records of messages to that household (contacts only)."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.testing.canaries import (
    CONTACT,
    SPECIAL,
    CanarySet,
    Finding,
    HouseholdCanaries,
    scan_database,
    scan_streams,
    summary,
)
from shared.testing.chaos import write_report
from shared.testing.payloads import landlord_onboarding

sys.path.insert(0, str(Path(__file__).resolve().parent))
if TYPE_CHECKING:
    from tests.chaos.process_stack import Caller, ChaosStack, running_stack, units_csv
else:
    from process_stack import Caller, ChaosStack, running_stack, units_csv

HOUSEHOLDS = 100  # RELIABILITY.md T21
LANDLORDS = 2
UNITS_PER_LANDLORD = 5
CONTACTABLE_EVERY = 3  # every 3rd household consents to email and SMS: bounded sender work
KILL_REGISTRY_AT = (30, 70)  # households registered when the registry is killed
KILL_AFTER_S = 0.05  # the kill lands while the next registration is in flight
REGISTRY_INFRA = ("outbox_event", "processed_event", "dead_letter", "audit_record")
OPEN_STATES = ("pending", "sending")
DRAIN_WITHIN_S = 180.0
DEADLINE_S = 420.0  # the whole test stays under the chaos tier's 8 min per test


def _staff(stack: ChaosStack, role: str = "caseworker") -> dict[str, str]:
    return {**stack.staff(role), "Idempotency-Key": uuid.uuid4().hex}


def _register(stack: ChaosStack, call: Caller, h: HouseholdCanaries) -> str:
    consents = {"contact_email": True, "contact_sms": True}
    if h.index % CONTACTABLE_EVERY:
        consents = {"contact_email": False, "contact_sms": False}
    body = h.registration(consents=consents)
    hid: str = call.json(
        "POST", "registry", "/v1/households", 201, json=body, headers=_staff(stack)
    )["id"]
    call.json("POST", "registry", f"/v1/households/{hid}/verify", headers=stack.staff("caseworker"))
    return hid


def _landlord_with_units(stack: ChaosStack, call: Caller, n: int) -> None:
    onboarded = call.json(
        "POST",
        "landlords",
        "/v1/landlords",
        201,
        json=landlord_onboarding(9300 + n),
        headers=_staff(stack),
    )
    key = {"Authorization": f"Bearer {onboarded['api_key']}"}
    refs = [f"KAN-{n}-{u}" for u in range(UNITS_PER_LANDLORD)]
    imported = call.json(
        "POST",
        "landlords",
        "/v1/units/import",
        content=units_csv(refs),
        headers={**key, "Content-Type": "text/csv", "Idempotency-Key": uuid.uuid4().hex},
    )
    for row in imported["rows"]:
        assert row["unit_id"], imported
        call.json(
            "POST",
            "landlords",
            f"/v1/units/{row['unit_id']}/verification",
            json={"outcome": "approve", "note": "documenti e sopralluogo ok"},
            headers=stack.staff("caseworker"),
        )


def _problems(stack: ChaosStack, call: Caller, h: HouseholdCanaries, hid: str) -> list[str]:
    """Requests that fail with input full of canaries: a duplicate, invalid fields, a bad patch."""
    body = h.registration()
    bad = {**body, "residence_comune": h.name * 10, "reference": h.email}
    wrong_cf = h.codice_fiscale[:-1] + ("A" if h.codice_fiscale[-1] != "A" else "B")
    wrong = h.registration(applicant={**body["applicant"], "codice_fiscale": wrong_cf})
    patch = {"contacts": {"email": h.name}, "isee": {"value_cents": -h.isee_cents}}
    out = [
        call.request("POST", "registry", "/v1/households", 409, json=body, headers=_staff(stack)),
        call.request("POST", "registry", "/v1/households", 422, json=bad, headers=_staff(stack)),
        call.request("POST", "registry", "/v1/households", 422, json=wrong, headers=_staff(stack)),
        call.request(
            "PATCH",
            "registry",
            f"/v1/households/{hid}",
            422,
            json=patch,
            headers=stack.staff("caseworker"),
        ),
        call.request(
            "GET",
            "registry",
            f"/v1/households/{h.codice_fiscale}",
            (404, 422),
            headers=stack.staff("caseworker"),
        ),
    ]
    return [r.text for r in out]


def _wait(what: str, probe: Any, *, within: float) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {within:.0f} s: {what}"
        time.sleep(0.2)


def _messages(stack: ChaosStack, call: Caller, state: str) -> list[dict[str, Any]]:
    page = call.json(
        "GET",
        "notifications",
        "/v1/messages",
        params={"state": state, "limit": 100},
        headers=stack.staff("caseworker"),
    )
    items: list[dict[str, Any]] = page["items"]
    return items


def _drive(stack: ChaosStack, canaries: CanarySet, figures: dict[str, Any]) -> dict[str, Any]:
    """The whole flow with the kills; returns what the scan needs besides the stack itself."""
    started = time.monotonic()
    with httpx.Client(timeout=15) as client:
        call = Caller(stack, client)
        for n in range(LANDLORDS):
            _landlord_with_units(stack, call, n)
        ids: dict[int, str] = {}
        problems: list[str] = []
        timers = []
        for h in canaries.households:
            if h.index in KILL_REGISTRY_AT:  # amid this household's requests
                timers.append(stack.kill_soon("registry", after_s=KILL_AFTER_S))
            ids[h.index] = _register(stack, call, h)
            if h.index < 5:
                problems += _problems(stack, call, h, ids[h.index])
        for timer in timers:
            timer.join(timeout=10)
        figures["registered_s"] = round(time.monotonic() - started, 1)
        units = LANDLORDS * UNITS_PER_LANDLORD
        _wait(
            "matching's pool holds every household and unit",
            lambda: _pool_full(stack, call, units),
            within=60,
        )
        body = {"programme": "agency", "comuni": ["Cremona"]}
        round_id = call.json(
            "POST", "matching", "/v1/rounds", 202, json=body, headers=_staff(stack)
        )["id"]
        stack.kill_and_restart("matching")  # mid-round: the lease expires, the round runs again

        def round_done() -> dict[str, Any] | None:
            view: dict[str, Any] = call.json(
                "GET", "matching", f"/v1/rounds/{round_id}", headers=stack.staff("caseworker")
            )
            return view if view["status"] in ("completed", "failed") else None

        view = _wait("the round completes after the kill", round_done, within=60)
        assert view["status"] == "completed", view
        call.json(
            "POST",
            "matching",
            f"/v1/rounds/{round_id}/approve",
            headers=_staff(stack, "supervisor"),
        )
        stack.kill_and_restart("registry")  # while it consumes the offers' events
        stack.kill_and_restart("matching")  # while its relay publishes them
        offers: list[dict[str, Any]] = call.json(
            "GET",
            "matching",
            "/v1/offers",
            params={"round_id": round_id, "limit": 100},
            headers=stack.staff("caseworker"),
        )["items"]
        assert len(offers) == min(HOUSEHOLDS, units), offers
        figures["offers"] = len(offers)
        # Notifications killed twice while it sends: each time once one more message is out.
        for _ in range(2):
            before = _sent(stack)
            _wait("one more message is sent", lambda b=before: _sent(stack) > b, within=60)
            stack.kill_and_restart("notifications")

        def drained() -> bool:
            return not any(_messages(stack, call, s) for s in OPEN_STATES)

        _wait("every message sent, skipped or failed", drained, within=DRAIN_WITHIN_S)
        figures["messages"] = asyncio.run(_message_states(stack))
        metrics = {
            name: call.request("GET", name, "/metrics", 200, headers=stack.staff("supervisor")).text
            for name in stack.order
        }
        assert all("# TYPE" in m for m in metrics.values())
        offered = {o["household_id"] for o in offers}
        owner = next(h for h in canaries.households if ids[h.index] in offered)
        export = call.request(
            "GET",
            "registry",
            f"/v1/households/{ids[owner.index]}/export",
            200,
            headers=stack.staff("supervisor"),
        )
        figures["http_retries"] = call.retries
    return {
        "ids": ids,
        "offered": offered,
        "problems": problems,
        "metrics": metrics,
        "export": export.text,
        "owner": owner,
    }


async def _message_states(stack: ChaosStack) -> dict[str, int]:
    engine = create_async_engine(stack.database_urls["notifications"])
    try:
        async with engine.connect() as conn:
            found = await conn.execute(text("SELECT state, count(*) FROM message GROUP BY state"))
            return {str(state): int(n) for state, n in found}
    finally:
        await engine.dispose()


def _sent(stack: ChaosStack) -> int:
    return asyncio.run(_message_states(stack)).get("sent", 0)


def _pool_full(stack: ChaosStack, call: Caller, units: int) -> bool:
    pool = call.json("GET", "matching", "/v1/pool", headers=stack.staff("caseworker"))
    return bool(pool["households"] == HOUSEHOLDS and pool["units"] == units)


async def _scan_live(stack: ChaosStack, canaries: CanarySet) -> list[Finding]:
    nc = await stack.nats.connect("ops")
    try:
        return await scan_streams(nc.jetstream(timeout=5), canaries)
    finally:
        await nc.close()


async def _scan_databases(
    stack: ChaosStack, canaries: CanarySet
) -> tuple[list[Finding], list[Finding]]:
    others: list[Finding] = []
    for name in ("landlords", "matching", "notifications"):
        others += await scan_database(stack.database_urls[name], canaries, where=name)
    in_registry = await scan_database(stack.database_urls["registry"], canaries, where="registry")
    return others, in_registry


@pytest.mark.timeout(DEADLINE_S + 60)
def test_no_canary_leaks_through_kills(tmp_path: Path, chaos_seed: int) -> None:
    started = time.monotonic()
    canaries = CanarySet.generate(HOUSEHOLDS)
    figures: dict[str, Any] = {"households": HOUSEHOLDS}
    passed = False
    try:
        with running_stack(tmp_path / "stack") as stack:
            seen = _drive(stack, canaries, figures)
            findings = asyncio.run(_scan_live(stack, canaries))
            records = [(f"smtp {i}", _email_text(r)) for i, r in enumerate(stack.smtp.received)]
            records += [(f"sms {i}", str(line)) for i, line in enumerate(stack.sms())]
            others, in_registry = asyncio.run(_scan_databases(stack, canaries))
        figures["kills"] = {
            s: stack.kills.count(s) for s in ("registry", "matching", "notifications")
        }
        figures["back_after_s_max"] = max(stack.back_after_s)
        findings += others
        findings += [f for f in in_registry if f.where.split(".")[1] in REGISTRY_INFRA]
        logs = stack.log_files()
        log_bytes = 0
        for path in logs:
            content = path.read_text(encoding="utf-8", errors="replace")
            log_bytes += len(content)
            findings += canaries.find(content, where=f"log {path.name}")
        assert log_bytes > 100_000, "the DEBUG logs of the whole flow were written"
        figures["log_mb"] = round(log_bytes / 1e6, 1)
        for name, page in seen["metrics"].items():
            findings += canaries.find(page, where=f"metrics {name}")
        for i, problem in enumerate(seen["problems"]):
            findings += canaries.find(problem, where=f"problem {i}")
        figures["canaries_outside"] = len(findings)
        assert not findings, summary(findings)
        _where_they_belong(canaries, in_registry, seen, records, figures)
        passed = True
    finally:
        figures["duration_s"] = round(time.monotonic() - started, 1)
        write_report(
            "T21 canaries through kills",
            seed=chaos_seed,
            figures=figures,
            passed=passed,
            headline=["households", "kills", "offers", "canaries_outside", "duration_s"],
        )


def _where_they_belong(
    canaries: CanarySet,
    in_registry: list[Finding],
    seen: dict[str, Any],
    records: list[tuple[str, str]],
    figures: dict[str, Any],
) -> None:
    # The scanner sees what is there: every household's canaries are in the registry database.
    found = {(f.kind, f.household) for f in in_registry}
    missing = [
        (k, h.index) for h in canaries.households for k in h.forms() if (k, h.index) not in found
    ]
    assert not missing, missing[:10]
    # The household's own export carries its special data, and no other household's.
    in_export = canaries.find(seen["export"], where="export")
    assert {f.household for f in in_export} == {seen["owner"].index}
    assert {f.kind for f in in_export} >= SPECIAL
    # Providers: only contact canaries, each message only its own household's.
    reached: set[int] = set()
    for where, record in records:
        hits = canaries.find(record, where=where)
        assert all(f.kind in CONTACT for f in hits), summary(hits)
        owners = {f.household for f in hits}
        assert len(owners) <= 1, summary(hits)
        reached |= owners
    by_id = {hid: i for i, hid in seen["ids"].items()}
    contactable = {by_id[h] for h in seen["offered"] if by_id[h] % CONTACTABLE_EVERY == 0}
    assert contactable, "at least one offered household consented to contact"
    assert contactable <= reached, "every offered household that consented was contacted"
    assert not {i for i in reached if i % CONTACTABLE_EVERY}, "no contact without consent"
    figures["provider_records"] = len(records)


def _email_text(record: Any) -> str:
    """Headers and every text part of a received email."""
    parts = [f"{k}: {v}" for k, v in record.message.items()]
    parts += [
        str(p.get_content()) for p in record.message.walk() if p.get_content_maintype() == "text"
    ]
    return "\n".join(parts)
