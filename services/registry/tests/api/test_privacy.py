"""GDPR: contact lookup for notifications, export, erasure with confirmations, legal hold, retention."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from nats.js import JetStreamContext

from registry.models import metadata
from shared.auth import TokenVerifier
from shared.events import landlords, matching, notifications
from shared.events.base import Event
from shared.testing.inspect import rows, stream_messages
from shared.testing.nats import NatsServer, free_port
from shared.testing.producing import inject
from shared.testing.services import DevKeys, ServiceStarter
from shared.testing.waiting import wait_until

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry

Body = Callable[..., dict[str, Any]]
Member = Callable[..., dict[str, Any]]
CANARIES = ("Canarina", "Canaruzzo", "canary@example.org", "+393330001111", "CERT-CANARY-77")


def _canary_body(body: Body, member: Member) -> dict[str, Any]:
    return body(
        applicant={
            **body()["applicant"],
            "given_name": "Canarina",
            "family_name": "Canaruzzo",
            "disability": {"disability_pct": 80, "certificate_reference": "CERT-CANARY-77"},
        },
        members=[member("child", birth_date="2016-06-06", given_name="Canarina")],
        isee={"value_cents": 1_234_567, "issued_on": "2026-02-01", "equivalence_scale": "1.57"},
        net_monthly_income_cents=176_543,
        contacts={"email": "canary@example.org", "mobile": "+393330001111"},
    )


async def _database_text(registry: Any) -> str:
    dump = {}
    for table in metadata.tables:
        dump[table] = await rows(registry.svc, table)
    return json.dumps(dump, default=str)


def _svc(dev_keys: DevKeys, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_keys.signer.mint(sub=name, audience='registry')}"}


async def test_notifications_reads_consented_channels_and_every_read_is_audited(
    started: Started, dev_keys: DevKeys, body: Body
) -> None:
    async with started() as registry:
        created = await registry.registered(
            body(consents={"contact_email": True, "contact_sms": False}, language="ro")
        )
        path = f"/internal/v1/households/{created['id']}/contact"
        response = await registry.client.get(path, headers=_svc(dev_keys, "svc-notifications"))
        assert response.status_code == 200
        contact = response.json()
        assert contact["channels"] == ["email"]
        assert contact["mobile"] is None
        assert contact["email"] == "maria@example.org"
        assert contact["language"] == "ro"
        for headers in (registry.staff(), _svc(dev_keys, "svc-matching")):
            assert (await registry.client.get(path, headers=headers)).status_code == 403
        unknown = await registry.client.get(
            f"/internal/v1/households/{uuid.uuid4()}/contact",
            headers=_svc(dev_keys, "svc-notifications"),
        )
        assert unknown.status_code == 404
        actions = [(r["action"], r["actor_id"]) for r in await rows(registry.svc, "audit_record")]
        assert ("household.contact.read", "svc-notifications") in actions
        assert ("authorization.denied", "svc-matching") in actions


async def test_export_gathers_the_registry_part_and_names_the_services_that_did_not_answer(
    started: Started, body: Body, member: Member
) -> None:
    async with started() as registry:
        created = await registry.registered(_canary_body(body, member))
        path = f"/v1/households/{created['id']}/export"
        assert (await registry.client.get(path, headers=registry.staff())).status_code == 403
        started = datetime.now(UTC)
        response = await registry.client.get(path, headers=registry.staff("supervisor"))
        assert response.status_code == 200
        assert datetime.now(UTC) - started < timedelta(seconds=60)
        export = response.json()
        household = export["registry"]["household"]
        assert household["applicant"]["given_name"] == "Canarina"
        assert household["applicant"]["disability"]["certificate_reference"] == "CERT-CANARY-77"
        assert household["isee"]["value_cents"] == 1_234_567
        assert export["registry"]["eligibility_history"]
        assert export["missing_services"] == ["landlords", "matching", "notifications"]
        actions = [r["action"] for r in await rows(registry.svc, "audit_record")]
        assert "household.export" in actions


async def _confirm(server: NatsServer, household_id: str, erasure_id: str) -> None:
    for user, cls in (
        ("matching", matching.HouseholdErasureConfirmed),
        ("landlords", landlords.HouseholdErasureConfirmed),
        ("notifications", notifications.HouseholdErasureConfirmed),
    ):
        event: Event = cls(household_id=uuid.UUID(household_id), erasure_id=uuid.UUID(erasure_id))
        await inject(
            server, user=user, messages=[(event.subject, event.model_dump_json().encode())]
        )


async def test_erasure_leaves_no_pii_in_the_registry_or_any_event_and_collects_confirmations(
    started: Started,
    body: Body,
    member: Member,
    clean_streams: NatsServer,
    jetstream_ops: JetStreamContext,
) -> None:
    async with started() as registry:
        created = await registry.registered(_canary_body(body, member))
        hid = created["id"]
        await registry.client.post(f"/v1/households/{hid}/verify", headers=registry.staff())
        await registry.client.patch(
            f"/v1/households/{hid}", json={"reference": "CR-9"}, headers=registry.staff()
        )
        assert (
            await registry.client.delete(f"/v1/households/{hid}", headers=registry.staff())
        ).status_code == 403
        erased = await registry.client.delete(
            f"/v1/households/{hid}", headers=registry.staff("supervisor")
        )
        assert erased.status_code == 200, erased.text
        erasure = erased.json()
        assert erasure["outcome"] == "erased"
        assert erasure["expected_services"] == ["landlords", "matching", "notifications"]

        text = await _database_text(registry)
        for canary in (*CANARIES, "1234567", "176543", created["applicant"]["codice_fiscale"]):
            assert canary not in text, canary
        assert (
            await registry.client.get(f"/v1/households/{hid}", headers=registry.staff())
        ).status_code == 404
        again = await registry.client.delete(
            f"/v1/households/{hid}", headers=registry.staff("supervisor")
        )
        assert again.json()["erasure_id"] == erasure["erasure_id"]

        await _confirm(clean_streams, hid, erasure["erasure_id"])

        async def completed() -> bool:
            status = await registry.client.get(
                f"/v1/households/{hid}/erasure", headers=registry.staff("supervisor")
            )
            return bool(status.json()["completed_at"])

        await wait_until(completed, within=30)

        async def published() -> bool:
            return (await registry.svc.runtime.relay.backlog()).count == 0

        await wait_until(published, within=30)
        messages = await stream_messages(jetstream_ops, "REGISTRY")
        assert "registry.household.erased.v1" in [s for s, _, _ in messages]
        stream_text = json.dumps([payload for _, payload, _ in messages])
        for canary in (*CANARIES, "1234567", "176543", created["applicant"]["codice_fiscale"]):
            assert canary not in stream_text
        actions = [r["action"] for r in await rows(registry.svc, "audit_record")]
        assert "household.erasure.erased" in actions
        assert "household.erasure.completed" in actions


async def test_under_legal_hold_an_erasure_restricts_and_matching_is_told_to_exclude(
    started: Started,
) -> None:
    async with started() as registry:
        created = await registry.eligible()
        hid = created["id"]
        held = await registry.client.put(
            f"/v1/households/{hid}/legal-hold",
            json={"hold": True, "reason_code": "court_case"},
            headers=registry.staff("supervisor"),
        )
        assert held.status_code == 200
        assert held.json()["legal_hold"] is True
        erased = await registry.client.delete(
            f"/v1/households/{hid}", headers=registry.staff("supervisor")
        )
        assert erased.json()["outcome"] == "restricted"
        still = await registry.client.get(f"/v1/households/{hid}", headers=registry.staff())
        assert still.status_code == 200
        outbox = sorted(await rows(registry.svc, "outbox_event"), key=lambda r: r["seq"])
        subjects = [r["subject"] for r in outbox]
        assert "registry.household.erased.v1" not in subjects
        last = json.loads(
            [r for r in outbox if r["subject"] == "registry.household.updated.v1"][-1]["payload"]
        )
        assert last["profile"]["legal_hold"] is True


async def test_the_retention_job_erases_closed_households_past_the_policy_period(
    start_service: ServiceStarter, dev_keys: DevKeys, body: Body, tmp_path: Path
) -> None:
    policy = (resources.files("shared") / "config" / "policy.toml").read_text(encoding="utf-8")
    policy = policy.replace("[privacy]\n", "[privacy]\nhousehold_retention_months = 24\n")
    (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
    async with start_service("registry", policy_file=tmp_path / "policy.toml") as svc:
        headers = {**dev_keys.headers("caseworker")}
        ids = []
        for i in range(3):
            created = await svc.client.post(
                "/v1/households",
                json=body(reference=f"R-{i}"),
                headers={**headers, "Idempotency-Key": f"r{i}"},
            )
            ids.append(created.json()["id"])
        for hid in ids[:2]:
            await svc.client.post(f"/v1/households/{hid}/withdraw", headers=headers)
        jobs = {job.name: job for job in svc.runtime.scheduler.jobs}
        job = jobs["retention-households"]
        await job.run(datetime.now(UTC) + timedelta(days=365))  # one year later: nothing is due
        assert {h["state"] for h in await rows(svc, "household")} == {"withdrawn", "submitted"}
        await job.run(datetime.now(UTC) + timedelta(days=3 * 365))
        states = {str(h["id"]): h["state"] for h in await rows(svc, "household")}
        assert [states[h] for h in ids] == ["erased", "erased", "submitted"]
        assert len(await rows(svc, "household_member")) == 1


async def test_export_calls_each_service_with_its_own_service_token(
    started: Started, dev_keys: DevKeys
) -> None:
    verifier = TokenVerifier.from_file(dev_keys.jwks, issuer=dev_keys.issuer)
    peer = FastAPI()

    @peer.get("/internal/v1/households/{household_id}/export")
    async def part(household_id: str, request: Request) -> dict[str, Any]:
        token = request.headers["authorization"].removeprefix("Bearer ")
        claims = verifier.verify(token, audience="matching")
        return {"household_id": household_id, "caller": claims["sub"], "offers": []}

    port, closed = free_port(), free_port()
    server = uvicorn.Server(uvicorn.Config(peer, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: _true(server.started), within=10)
        urls = {"matching": f"http://127.0.0.1:{port}", "landlords": f"http://127.0.0.1:{closed}"}
        async with started(service_urls=urls) as registry:
            created = await registry.registered()
            response = await registry.client.get(
                f"/v1/households/{created['id']}/export", headers=registry.staff("supervisor")
            )
            export = response.json()
            assert export["services"]["matching"] == {
                "household_id": created["id"],
                "caller": "svc-registry",
                "offers": [],
            }
            assert export["missing_services"] == ["landlords", "notifications"]
    finally:
        server.should_exit = True
        await serving


async def _true(value: bool) -> bool:
    return value


async def test_erasure_asks_for_a_recent_sign_in(started: Started, dev_keys: DevKeys) -> None:
    async with started() as registry:
        hid = (await registry.registered())["id"]
        an_hour_ago = time.time() - 3600
        stale = dev_keys.signer.mint(
            sub="supervisor-1",
            audience="agency-api",
            roles=["supervisor"],
            extra={"auth_time": int(an_hour_ago)},
        )
        late = await registry.client.delete(
            f"/v1/households/{hid}",
            headers={"Authorization": f"Bearer {stale}", "Idempotency-Key": "erase-1"},
        )
        assert late.status_code == 401
        assert late.json()["type"].endswith("reauthentication-required")
        assert "insufficient_user_authentication" in late.headers["www-authenticate"]
        still = await registry.client.get(f"/v1/households/{hid}", headers=registry.staff())
        assert still.status_code == 200
        fresh = await registry.client.delete(
            f"/v1/households/{hid}", headers=registry.keyed("supervisor")
        )
        assert fresh.status_code == 200, fresh.text


async def test_an_erasure_a_service_has_not_confirmed_after_an_hour_raises_an_alert(
    started: Started, clean_streams: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with started() as registry:
        hid = (await registry.registered())["id"]
        erased = await registry.client.delete(
            f"/v1/households/{hid}", headers=registry.staff("supervisor")
        )
        erasure_id = erased.json()["erasure_id"]
        event = matching.HouseholdErasureConfirmed(
            household_id=uuid.UUID(hid), erasure_id=uuid.UUID(erasure_id)
        )
        await inject(
            clean_streams,
            user="matching",
            messages=[(event.subject, event.model_dump_json().encode())],
        )

        async def matching_confirmed() -> bool:
            status = await registry.client.get(
                f"/v1/households/{hid}/erasure", headers=registry.staff("supervisor")
            )
            return status.json()["confirmed_services"] == ["matching"]

        await wait_until(matching_confirmed, within=30)
        job = next(j for j in registry.svc.runtime.scheduler.jobs if j.name == "erasure-alert")
        now = datetime.now(UTC)
        with caplog.at_level(logging.ERROR, logger="registry.service.erasure"):
            await job.run(now + timedelta(minutes=59))
            assert not caplog.records  # within the hour: no alert yet
            await job.run(now + timedelta(minutes=61))
        alerts = [r for r in caplog.records if r.getMessage() == "erasure not confirmed in time"]
        assert sorted(r.__dict__["peer"] for r in alerts) == ["landlords", "notifications"]
