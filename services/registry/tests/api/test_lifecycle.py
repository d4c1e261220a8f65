"""Eligibility with reasons and history, the status machine (illegal → 409), update, withdraw, list."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.testing.inspect import rows

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry

Body = Callable[..., dict[str, Any]]
Member = Callable[..., dict[str, Any]]


async def test_verification_makes_each_programme_eligible_or_ineligible_with_reasons(
    started: Started,
) -> None:
    async with started() as registry:
        household = await registry.eligible(
            isee={"value_cents": 1_720_000, "issued_on": "2026-02-01", "equivalence_scale": "1"}
        )
        statuses = {p["programme"]: p for p in household["programmes"]}
        assert statuses["sap"]["status"] == "ineligible"
        assert statuses["sap"]["reasons"] == ["ISEE_ABOVE_MAX"]
        assert statuses["agency"]["status"] == "eligible"
        assert statuses["sas"]["status"] == "eligible"

        response = await registry.client.get(
            f"/v1/households/{household['id']}/eligibility", headers=registry.staff()
        )
        assert response.status_code == 200
        sap = next(e for e in response.json()["current"] if e["programme"] == "sap")
        assert sap["failures"] == [
            {"reason": "ISEE_ABOVE_MAX", "message": "ISEE 17,200 > 16,000 SAP ceiling"}
        ]
        assert sap["policy_version"] == "defaults-1"


async def test_each_failure_reason_reaches_the_caseworker(started: Started, body: Body) -> None:
    async with started() as registry:
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"isee": None}, "agency", "ISEE_MISSING"),
            (
                {
                    "isee": {
                        "value_cents": 4_100_000,
                        "issued_on": "2026-02-01",
                        "equivalence_scale": "1",
                    }
                },
                "agency",
                "ISEE_ABOVE_MAX",
            ),
            ({"financial_assets_cents": 1_700_000}, "sap", "FINANCIAL_ASSETS_ABOVE_MAX"),
            ({"real_estate_assets_cents": 2_300_000}, "sap", "REAL_ESTATE_ASSETS_ABOVE_MAX"),
            ({"legal_status": {"citizenship": "non_eu"}}, "sap", "CITIZENSHIP_OR_PERMIT"),
            ({"legal_status": {"citizenship": "non_eu"}}, "agency", "NO_REGULAR_STAY"),
            (
                {"residence_comune": None, "resides_in_lombardy": False},
                "agency",
                "NO_TERRITORIAL_LINK",
            ),
            (
                {"residence_comune": None, "resides_in_lombardy": False},
                "sap",
                "NO_TERRITORIAL_LINK",
            ),
            (
                {"properties": [{"surface_tenths": 700, "location": "province"}]},
                "agency",
                "ADEQUATE_PROPERTY_OWNED",
            ),
            (
                {"exclusion_events": [{"kind": "squatting", "occurred_on": "2024-05-01"}]},
                "sap",
                "RECENT_EXCLUSION_EVENT",
            ),
            (
                {"prior_public_ownership": {"lost_without_compensation": False}},
                "sap",
                "PRIOR_PUBLIC_OWNERSHIP",
            ),
        ]
        for overrides, programme, reason in cases:
            created = await registry.registered(body(**overrides))
            outcome = next(e for e in created["eligibility"] if e["programme"] == programme)
            assert not outcome["eligible"], (reason, outcome)
            assert reason in [f["reason"] for f in outcome["failures"]], (reason, outcome)
            assert all(f["message"] for f in outcome["failures"])


async def test_illegal_transitions_are_409_and_every_change_says_who_when_why(
    started: Started,
) -> None:
    async with started() as registry:
        household = await registry.eligible()
        hid = household["id"]
        again = await registry.client.post(f"/v1/households/{hid}/verify", headers=registry.staff())
        assert again.status_code == 409
        assert again.json()["type"] == "urn:problem:housing:illegal-status-transition"

        no_end = await registry.client.post(
            f"/v1/households/{hid}/status",
            json={"programme": "agency", "status": "excluded", "reason_code": "fraud"},
            headers=registry.staff(),
        )
        assert no_end.status_code == 409
        suspended = await registry.client.post(
            f"/v1/households/{hid}/status",
            json={
                "programme": "agency",
                "status": "suspended",
                "reason_code": "contested",
                "until": "2099-01-01",
            },
            headers=registry.staff(),
        )
        assert suspended.status_code == 200, suspended.text
        lifted = await registry.client.post(
            f"/v1/households/{hid}/status",
            json={"programme": "agency", "status": "eligible", "reason_code": "overturned"},
            headers=registry.staff(),
        )
        assert lifted.status_code == 200
        changes = lifted.json()["changes"]
        agency = [c for c in changes if c["programme"] == "agency"]
        assert [c["to_status"] for c in agency] == [
            "verified",
            "eligible",
            "suspended",
            "eligible",
        ]
        assert agency[2]["reason_code"] == "contested"
        assert agency[2]["actor_kind"] == "staff"
        assert agency[2]["actor_id"] == "caseworker-1"

        withdrawn = await registry.client.post(
            f"/v1/households/{hid}/withdraw",
            json={"reason_code": "moved_away"},
            headers=registry.staff(),
        )
        assert withdrawn.status_code == 200
        assert {p["status"] for p in withdrawn.json()["programmes"]} == {"withdrawn"}
        for path, method, payload in (
            (f"/v1/households/{hid}/withdraw", "POST", None),
            (f"/v1/households/{hid}", "PATCH", {"reference": "X"}),
            (f"/v1/households/{hid}/verify", "POST", None),
        ):
            response = await registry.client.request(
                method, path, json=payload, headers=registry.staff()
            )
            assert response.status_code == 409, (path, response.text)
        lift_ineligible = await registry.client.post(
            f"/v1/households/{hid}/status",
            json={"programme": "sap", "status": "eligible", "reason_code": "x"},
            headers=registry.staff(),
        )
        assert lift_ineligible.status_code == 409


async def test_an_update_reassesses_keeps_history_and_reemits_a_newer_profile(
    started: Started,
) -> None:
    async with started() as registry:
        household = await registry.eligible()
        hid = household["id"]
        patch = {
            "isee": {"value_cents": 1_720_000, "issued_on": "2026-03-01", "equivalence_scale": "1"}
        }
        updated = await registry.client.patch(
            f"/v1/households/{hid}", json=patch, headers=registry.staff()
        )
        assert updated.status_code == 200, updated.text
        view = updated.json()
        assert view["entity_version"] > household["entity_version"]
        assert {p["programme"]: p["status"] for p in view["programmes"]}["sap"] == "ineligible"

        history = (
            await registry.client.get(f"/v1/households/{hid}/eligibility", headers=registry.staff())
        ).json()["history"]
        assert len([h for h in history if h["programme"] == "sap"]) == 3  # register, verify, update

        outbox = sorted(await rows(registry.svc, "outbox_event"), key=lambda r: r["seq"])
        updates = [
            json.loads(r["payload"])
            for r in outbox
            if r["subject"] == "registry.household.updated.v1"
        ]
        versions = [u["entity_version"] for u in updates]
        assert versions == sorted(versions)
        assert len(set(versions)) == len(versions)
        last = updates[-1]["profile"]
        assert {p["programme"]: p["status"] for p in last["programmes"]}["sap"] == "ineligible"
        assert "1720000" not in json.dumps(updates)
        assert "17,200" not in json.dumps(updates)


async def test_the_list_is_sorted_by_priority_filtered_and_paginated(
    started: Started, body: Body
) -> None:
    async with started() as registry:
        scores = []
        for i, overrides in enumerate(
            [
                {},
                {"eviction": {"kind": "sfratto", "ordered_on": "2026-01-10"}},
                {"categories": {"social_services_referral": True}},
                {"residence_comune": "Soresina", "categories": {"new_family": True}},
            ]
        ):
            created = await registry.registered(body(reference=f"R-{i}", **overrides))
            scores.append(created["priority"]["score"])
        page = await registry.client.get("/v1/households?limit=2", headers=registry.staff())
        assert page.status_code == 200
        first = page.json()
        assert [h["priority_score"] for h in first["items"]] == [30, 10]
        rest = await registry.client.get(
            f"/v1/households?limit=2&cursor={first['next_cursor']}", headers=registry.staff()
        )
        assert [h["priority_score"] for h in rest.json()["items"]] == [5, 0]
        assert rest.json()["next_cursor"] is None
        soresina = await registry.client.get(
            "/v1/households?comune=Soresina", headers=registry.staff()
        )
        assert [h["reference"] for h in soresina.json()["items"]] == ["R-3"]
        referred = await registry.client.get(
            "/v1/households?category=social_services_referral", headers=registry.staff()
        )
        assert [h["reference"] for h in referred.json()["items"]] == ["R-2"]
        submitted = await registry.client.get(
            "/v1/households?status=submitted&programme=sap", headers=registry.staff()
        )
        assert len(submitted.json()["items"]) == 4
        none = await registry.client.get("/v1/households?status=eligible", headers=registry.staff())
        assert none.json()["items"] == []
        item = first["items"][0]
        assert "applicant" not in item
        assert "isee" not in item


async def test_an_eligible_household_expires_when_its_isee_lapses(started: Started) -> None:
    async with started() as registry:
        household = await registry.eligible()
        hid = household["id"]
        job = {j.name: j for j in registry.svc.runtime.scheduler.jobs}["isee-expiry"]
        await job.run(datetime(2026, 12, 31, 12, tzinfo=UTC))  # still valid on 31 December
        status = await registry.client.get(f"/v1/households/{hid}/status", headers=registry.staff())
        assert {p["status"] for p in status.json()["programmes"]} == {"eligible"}
        await job.run(datetime(2027, 1, 2, 12, tzinfo=UTC))
        status = await registry.client.get(f"/v1/households/{hid}/status", headers=registry.staff())
        programmes = {p["programme"]: p for p in status.json()["programmes"]}
        assert {p["status"] for p in programmes.values()} == {"expired"}
        assert programmes["agency"]["reasons"] == ["ISEE_EXPIRED"]
        outbox = sorted(await rows(registry.svc, "outbox_event"), key=lambda r: r["seq"])
        last = json.loads(outbox[-1]["payload"])
        assert outbox[-1]["subject"] == "registry.household.eligibility_assessed.v1"
        assert {p["status"] for p in last["programmes"]} == {"expired"}
