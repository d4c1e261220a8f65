"""Export and erasure of a household (T23, matching's part), and what-if simulations."""

from __future__ import annotations

import uuid
from typing import Any

from shared.events import registry
from shared.testing.inspect import rows
from shared.testing.waiting import wait_until


async def test_export_then_erasure_leaves_no_trace(env: Any) -> None:
    hid = uuid.uuid4()
    await env.publish(env.registered(hid, priority=90), env.registered(priority=10))
    await env.publish(env.published())
    await env.settle("household_profile", 2)
    await env.settle("unit_listing", 1)
    done = await env.round(approve=True)
    (offer,) = await env.offers(round_id=done["id"])
    assert offer["household_id"] == str(hid)
    link = await env.client.get(
        f"/internal/v1/offers/{offer['id']}/link", headers=env.service("notifications")
    )
    assert link.status_code == 200
    export = await env.client.get(
        f"/internal/v1/households/{hid}/export", headers=env.service("registry")
    )
    assert export.status_code == 200
    body = export.json()
    assert body["profile"]["priority"] == 90
    assert len(body["offers"]) == 1
    assert body["outcomes"][0]["outcome"] == "MATCHED"
    denied = await env.client.get(
        f"/internal/v1/households/{hid}/export", headers=env.staff("supervisor")
    )
    assert denied.status_code == 403
    await env.publish(registry.HouseholdErased(household_id=hid, erasure_id=uuid.uuid4()))

    async def confirmed() -> bool:
        return any(
            r["subject"] == "matching.household.erased.v1"
            for r in await rows(env.svc, "outbox_event")
        )

    await wait_until(confirmed, within=15)
    text = str(hid)
    for table in ("household_profile", "offer", "round_outcome", "link_token", "match_round"):
        for row in await rows(env.svc, table):
            assert text not in str(row), table
    gone = await env.client.get(
        f"/internal/v1/households/{hid}/export", headers=env.service("registry")
    )
    assert gone.status_code == 404
    snap = await env.client.get(f"/v1/rounds/{done['id']}", headers=env.staff())
    assert snap.json()["snapshot_redacted"] is True


async def test_simulation_compares_and_commits_nothing(env: Any) -> None:
    await env.publish(
        env.registered(priority=80, max_rent_eur="300.00"), env.registered(priority=20)
    )
    await env.publish(env.published())
    await env.settle("household_profile", 2)
    await env.settle("unit_listing", 1)
    before = len(await rows(env.svc, "match_round"))
    body = {"policy": {"affordability_includes_charges": False}}
    r = await env.client.post("/v1/simulations", json=body, headers=env.staff("supervisor"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["baseline"]["matched"] == 1
    assert out["variant"]["matched"] == 1
    assert len(out["newly_matched"]) == 1
    assert len(out["no_longer_matched"]) == 1
    assert len(await rows(env.svc, "match_round")) == before
    bad = await env.client.post(
        "/v1/simulations", json={"policy": {"no_such_key": 1}}, headers=env.staff("supervisor")
    )
    assert bad.status_code == 422
    caseworker = await env.client.post("/v1/simulations", json={}, headers=env.staff())
    assert caseworker.status_code == 403
