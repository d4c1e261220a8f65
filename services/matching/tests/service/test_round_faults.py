"""T5 fast: a round worker crashing mid-solve or after its commit; the round completes once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from matching.runner import RoundRunner, SolverPool, solve_text
from shared import faults
from shared.testing.inspect import rows
from shared.testing.waiting import wait_until


async def _crash_round(env: Any, point: str) -> str:
    await env.publish(*[env.registered(priority=10 * (i + 1)) for i in range(4)])
    await env.publish(*[env.published() for _ in range(2)])
    await env.settle("household_profile", 4)
    await env.settle("unit_listing", 2)
    runner: RoundRunner = env.svc.runtime.extras["rounds"]
    faults.arm(point)
    try:
        r = await env.client.post("/v1/rounds", json={}, headers=env.staff(keyed=True))
        assert r.status_code == 202

        async def died() -> bool:
            return not runner.alive

        await wait_until(died, within=20)
    finally:
        faults.disarm()
    await runner.stop()
    # The restarted worker: same database, fresh process state.
    settings = env.svc.runtime.settings
    fresh = RoundRunner(
        db=env.svc.runtime.db,
        pool=SolverPool(processes=1),
        lease_s=settings.round_lease_s,
        poll_s=settings.round_poll_s,
    )
    env.svc.runtime.extras["rounds"] = fresh
    fresh.start()
    round_id: str = r.json()["id"]

    async def completed() -> bool:
        got = await env.client.get(f"/v1/rounds/{round_id}", headers=env.staff())
        return bool(got.json()["status"] == "completed")

    await wait_until(completed, within=20)
    return round_id


@pytest.mark.parametrize("point", ["round.mid_solve", "round.after_commit"])
async def test_t5_round_completes_once_from_its_snapshot_and_seed(env: Any, point: str) -> None:
    round_id = await _crash_round(env, point)
    subjects = [r["subject"] for r in await rows(env.svc, "outbox_event")]
    assert subjects.count("matching.round.completed.v1") == 1
    problem = await env.client.get(f"/v1/rounds/{round_id}/snapshot", headers=env.staff())
    expected = json.loads(solve_text(json.dumps(problem.json())))
    stored = {
        (str(o["household_id"]), str(o["unit_id"]))
        for o in await rows(env.svc, "round_outcome")
        if o["unit_id"] is not None and o["round_id"] == uuid.UUID(round_id)
    }
    assert stored == {(a["household_id"], a["unit_id"]) for a in expected["assignments"]}
    assert len(await rows(env.svc, "round_outcome")) == 4
