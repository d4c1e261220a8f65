"""Read models from registry and landlords events: idempotent, out-of-order safe, tombstoned on erasure."""

from __future__ import annotations

import json
import uuid
from typing import Any

from shared.events import landlords, registry
from shared.testing.inspect import rows
from shared.testing.waiting import wait_until


async def _profile(env: Any, household_id: uuid.UUID) -> dict[str, Any] | None:
    found = [
        r for r in await rows(env.svc, "household_profile") if r["household_id"] == household_id
    ]
    return found[0] if found else None


async def test_profiles_converge_out_of_order_and_once(env: Any) -> None:
    hid = uuid.uuid4()
    newer = registry.HouseholdUpdated(
        household_id=hid, entity_version=2, profile=env.profile(size=3, priority=70)
    )
    older = env.registered(hid, version=1, size=1, priority=10)
    await env.publish(newer, older, older)
    status = registry.HouseholdStatusChanged(
        household_id=hid, entity_version=3, programme="agency", status="suspended"
    )
    stale = registry.HouseholdStatusChanged(
        household_id=hid, entity_version=1, programme="agency", status="eligible"
    )
    await env.publish(status, stale)

    async def converged() -> bool:
        row = await _profile(env, hid)
        return row is not None and row["entity_version"] == 3

    await wait_until(converged, within=15)
    row = await _profile(env, hid)
    assert row is not None
    assert json.loads(row["profile"])["priority"] == 70
    assert row["size"] == 3
    assert json.loads(row["statuses"])["agency"] == ["suspended", 3]
    pool = await env.client.post("/v1/rounds", json={}, headers=env.staff(keyed=True))
    assert pool.json()["households"] == 0  # suspended: not in the round
    view = (await env.client.get("/v1/pool", headers=env.staff())).json()
    assert (view["households"], view["eligible"]["agency"]) == (1, 0)  # held, not takeable


async def test_the_pool_counts_per_programme_what_a_round_can_take(env: Any) -> None:
    eligible, suspended = uuid.uuid4(), uuid.uuid4()
    await env.publish(env.registered(eligible), env.registered(suspended))
    await env.settle("household_profile", 2)
    await env.publish(
        registry.HouseholdStatusChanged(
            household_id=suspended, entity_version=2, programme="agency", status="suspended"
        )
    )

    async def suspended_seen() -> bool:
        row = await _profile(env, suspended)
        return row is not None and row["entity_version"] == 2

    await wait_until(suspended_seen, within=15)
    view = (await env.client.get("/v1/pool", headers=env.staff())).json()
    started = await env.client.post("/v1/rounds", json={}, headers=env.staff(keyed=True))
    assert view["households"] == 2
    assert view["eligible"]["agency"] == started.json()["households"] == 1
    assert set(view["eligible"]) == {"agency", "sas"}


async def test_units_by_version_and_withdrawal(env: Any) -> None:
    unit = env.published(version=1)
    withdrawn = landlords.UnitWithdrawn(
        unit_id=unit.unit_id, landlord_id=unit.landlord_id, entity_version=2
    )
    other = env.published()
    await env.publish(withdrawn, unit, other, other)
    await env.settle("unit_listing", 2)

    async def both() -> bool:
        listed = {r["unit_id"]: r for r in await rows(env.svc, "unit_listing")}
        return listed.get(unit.unit_id, {}).get("status") == "withdrawn" and other.unit_id in listed

    await wait_until(both, within=15)
    r = await env.client.get("/v1/pool", headers=env.staff())
    assert r.status_code == 200
    assert r.json()["units"] == 1


async def test_erasure_tombstones_and_confirms(env: Any) -> None:
    hid = uuid.uuid4()
    await env.publish(env.registered(hid))
    await env.settle("household_profile", 1)
    erased = registry.HouseholdErased(household_id=hid, erasure_id=uuid.uuid4())
    await env.publish(erased, env.registered(hid, version=5))
    await env.settle("erased_household", 1)

    async def confirmed() -> bool:
        subjects = [r["subject"] for r in await rows(env.svc, "outbox_event")]
        return "matching.household.erased.v1" in subjects

    await wait_until(confirmed, within=15)
    await env.settle("processed_event", 3)
    assert await _profile(env, hid) is None
