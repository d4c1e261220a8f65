"""Rounds through the API: snapshot, seed commitment, reproducibility, approval into offers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.testing.inspect import rows


async def _pool(env: Any, households: int = 3, units: int = 2) -> None:
    events = [env.registered(priority=10 * (i + 1)) for i in range(households)]
    await env.publish(*events)
    await env.publish(*[env.published() for _ in range(units)])
    await env.settle("household_profile", households)
    await env.settle("unit_listing", units)


async def test_round_reveals_seed_and_snapshot_reproduces(env: Any, tmp_path) -> None:
    await _pool(env)
    done = await env.round(programme="agency")
    assert done["proposals"] == 2
    assert done["unmatched"] == 1
    assert hashlib.sha256(done["seed"].encode()).hexdigest() == done["seed_hash"]
    snap = await env.client.get(f"/v1/rounds/{done['id']}/snapshot", headers=env.staff())
    assert snap.status_code == 200
    problem = snap.json()
    assert problem["seed"] == done["seed"]
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "matching.solve_cli",
        str(path),
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await proc.communicate()
    assert proc.returncode == 0
    offline = {(a["household_id"], a["unit_id"]) for a in json.loads(stdout)["assignments"]}
    stored = {
        (str(r["household_id"]), str(r["unit_id"]))
        for r in await rows(env.svc, "round_outcome")
        if r["unit_id"] is not None
    }
    assert offline == stored
    body = {k: v for k, v in problem.items() if k != "seed"}
    canonical = json.dumps(
        json.loads(json.dumps(body), parse_float=Decimal),
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == done["snapshot_hash"]


async def test_seed_hidden_until_completed_and_one_running_round_per_scope(env: Any) -> None:
    await _pool(env, 1, 1)
    await env.svc.runtime.extras["rounds"].stop()  # nobody solves: the round stays running
    first = await env.client.post("/v1/rounds", json={}, headers=env.staff(keyed=True))
    assert first.status_code == 202
    view = (await env.client.get(f"/v1/rounds/{first.json()['id']}", headers=env.staff())).json()
    assert view["status"] == "running"
    assert view["seed"] is None
    snapshot = await env.client.get(f"/v1/rounds/{view['id']}/snapshot", headers=env.staff())
    assert snapshot.status_code == 409
    second = await env.client.post("/v1/rounds", json={}, headers=env.staff(keyed=True))
    assert second.status_code == 409
    other_scope = await env.client.post(
        "/v1/rounds", json={"comuni": ["Soresina"]}, headers=env.staff(keyed=True)
    )
    assert other_scope.status_code == 202


async def test_approve_makes_offers_and_unmatched_events(env: Any) -> None:
    await _pool(env)
    done = await env.round(approve=True)
    offers = await env.offers(round_id=done["id"])
    assert len(offers) == 2
    assert all(o["status"] == "approved" and o["open"] for o in offers)
    rome = ZoneInfo("Europe/Rome")
    for o in offers:
        local = datetime.fromisoformat(o["respond_by"]).astimezone(rome)
        assert local.time() == time(23, 59, 59)
        assert (local.date() - datetime.now(rome).date()).days == 10  # offer_response_days
    subjects = [r["subject"] for r in await rows(env.svc, "outbox_event")]
    assert subjects.count("matching.offer.made.v1") == 2
    assert subjects.count("matching.household.unmatched.v1") == 1
    assert subjects.count("matching.round.completed.v1") == 1
    again = await env.client.post(
        f"/v1/rounds/{done['id']}/approve", headers=env.staff("supervisor", keyed=True)
    )
    assert again.status_code == 409
    caseworker = await env.client.post(
        f"/v1/rounds/{done['id']}/approve", headers=env.staff("caseworker", keyed=True)
    )
    assert caseworker.status_code == 403


async def test_explanations(env: Any) -> None:
    await _pool(env)
    done = await env.round()
    outcomes = await rows(env.svc, "round_outcome")
    loser = next(r for r in outcomes if r["unit_id"] is None)
    r = await env.client.get(
        f"/v1/rounds/{done['id']}/explanations/{loser['household_id']}", headers=env.staff()
    )
    assert r.status_code == 200
    assert r.json()["outcome"] == "OUTRANKED"
    missing = await env.client.get(
        f"/v1/rounds/{done['id']}/explanations/{done['id']}", headers=env.staff()
    )
    assert missing.status_code == 404
