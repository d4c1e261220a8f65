"""Offers: answers, landlord decisions, tenancy, refusals and their classification, expiry, re-optimisation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from matching.models import Offer
from shared.events import landlords
from shared.testing.inspect import rows
from shared.testing.waiting import wait_until


async def _offered(env: Any, households: int = 2, units: int = 1) -> list[dict[str, Any]]:
    await env.publish(*[env.registered(priority=10 * (i + 1)) for i in range(households)])
    await env.publish(*[env.published() for _ in range(units)])
    await env.settle("household_profile", households)
    await env.settle("unit_listing", units)
    done = await env.round(approve=True)
    offers: list[dict[str, Any]] = await env.offers(round_id=done["id"])
    return offers


async def _answer(env: Any, offer_id: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = env.staff()
    headers["Idempotency-Key"] = key or uuid.uuid4().hex
    return await env.client.post(f"/v1/offers/{offer_id}/response", json=body, headers=headers)


def _visit_time(offer: dict[str, Any], days_before_deadline: int = 2) -> str:
    return (
        datetime.fromisoformat(offer["respond_by"]) - timedelta(days=days_before_deadline)
    ).isoformat()


async def _subjects(env: Any) -> list[str]:
    return [r["subject"] for r in await rows(env.svc, "outbox_event")]


def _landlord(offer: dict[str, Any], decision: str = "accept") -> landlords.OfferAnswered:
    return landlords.OfferAnswered(
        offer_id=uuid.UUID(offer["id"]),
        unit_id=uuid.UUID(offer["unit_id"]),
        landlord_id=uuid.UUID(offer["landlord_id"]),
        decision=decision,  # type: ignore[arg-type]
    )


async def test_both_accept_make_a_tenancy_in_either_order(env: Any) -> None:
    first, second = await _offered(env, households=2, units=2)
    visit = await env.client.post(
        f"/v1/offers/{first['id']}/visit",
        json={"visit_at": _visit_time(first)},
        headers=env.staff(keyed=True),
    )
    assert visit.status_code == 200
    assert visit.json()["status"] == "visit_booked"
    r = await _answer(env, first["id"], {"answer": "accept"})
    assert r.status_code == 200
    assert r.json()["status"] == "accepted_by_household"
    answered = _landlord(first)
    await env.publish(answered, answered, _landlord(second))

    async def landlord_seen() -> bool:
        got = await env.client.get(f"/v1/offers/{second['id']}", headers=env.staff())
        return bool(got.json()["landlord_answer"] == "accept")

    await wait_until(landlord_seen, within=15)
    r = await _answer(env, second["id"], {"answer": "accept"})
    assert r.json()["status"] == "confirmed_by_landlord"
    await env.settle("tenancy", 2)
    got = await env.client.get(f"/v1/offers/{first['id']}", headers=env.staff())
    assert got.json()["status"] == "confirmed_by_landlord"
    assert (await _subjects(env)).count("matching.tenancy.agreed.v1") == 2


async def test_decline_classification_and_reoptimisation(env: Any) -> None:
    (offer,) = await _offered(env)
    no_reason = await _answer(env, offer["id"], {"answer": "decline"})
    assert no_reason.status_code == 422
    r = await _answer(env, offer["id"], {"answer": "decline", "reason_code": "PREFERENCE"})
    assert r.status_code == 200
    assert r.json()["status"] == "refused_by_household"
    assert r.json()["classification"] == "pending"
    again = await _answer(env, offer["id"], {"answer": "accept"})
    assert again.status_code == 409
    assert again.json()["type"].endswith("offer-not-open")
    headers = env.staff(keyed=True)
    c = await env.client.post(
        f"/v1/offers/{offer['id']}/classification",
        json={"classification": "unjustified"},
        headers=headers,
    )
    assert c.status_code == 200
    assert c.json()["classification"] == "unjustified"
    assert (await _subjects(env)).count("matching.refusal.classified.v1") == 1
    # The freed unit is re-optimised among the households still waiting: the other household.
    rounds = (await env.client.get("/v1/rounds", headers=env.staff())).json()["items"]
    reopt = next(r for r in rounds if r["kind"] == "reoptimisation")

    async def completed() -> bool:
        got = await env.client.get(f"/v1/rounds/{reopt['id']}", headers=env.staff())
        return bool(got.json()["status"] == "completed")

    await wait_until(completed, within=20)
    got = (await env.client.get(f"/v1/rounds/{reopt['id']}", headers=env.staff())).json()
    assert got["proposals"] == 1
    outcomes = [
        r for r in await rows(env.svc, "round_outcome") if str(r["round_id"]) == reopt["id"]
    ]
    assert [str(o["household_id"]) for o in outcomes if o["unit_id"]] != [offer["household_id"]]


async def test_auto_justified_refusal_is_classified_at_once(env: Any) -> None:
    (offer,) = await _offered(env)
    r = await _answer(env, offer["id"], {"answer": "decline", "reason_code": "COST_ABOVE_HARD_CAP"})
    assert r.json()["classification"] == "justified"
    assert (await _subjects(env)).count("matching.refusal.classified.v1") == 1


async def test_expiry_frees_the_unit(env: Any) -> None:
    (offer,) = await _offered(env)
    job = next(j for j in env.svc.runtime.scheduler.jobs if j.name == "offer-expiry")
    await job.run(env.clock_after(1))
    assert (await env.client.get(f"/v1/offers/{offer['id']}", headers=env.staff())).json()[
        "status"
    ] == "approved"
    await job.run(env.clock_after(12))
    got = (await env.client.get(f"/v1/offers/{offer['id']}", headers=env.staff())).json()
    assert got["status"] == "expired"
    assert got["household_reason"] == "NO_RESPONSE"
    subjects = await _subjects(env)
    assert subjects.count("matching.offer.expired.v1") == 1
    assert subjects.count("matching.refusal.classified.v1") == 1
    await job.run(env.clock_after(13))
    assert (await _subjects(env)).count("matching.offer.expired.v1") == 1


async def test_t11_concurrent_answers_exactly_one_wins(env: Any) -> None:
    (offer,) = await _offered(env)
    bodies = [
        {"answer": "accept"},
        {"answer": "decline", "reason_code": "PREFERENCE"},
        {"answer": "accept"},
        {"answer": "decline", "reason_code": "FAMILY_CHANGE"},
    ]
    results = await asyncio.gather(*[_answer(env, offer["id"], b) for b in bodies])
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1
    assert codes.count(409) == 3
    assert all(r.json()["type"].endswith("offer-not-open") for r in results if r.status_code == 409)


async def test_t11_second_open_offer_rejected_by_the_index(env: Any) -> None:
    (offer,) = await _offered(env)
    runtime = env.svc.runtime
    row = {c: offer[c] for c in ("round_id", "unit_id", "landlord_id", "programme", "respond_by")}
    base = {
        **row,
        "id": uuid.uuid4(),
        "household_id": uuid.uuid4(),
        "status": "sent",
        "version": 1,
        "landlord_decide_by": offer["landlord_decide_by"],
        "created_at": offer["created_at"],
    }
    for key in ("respond_by", "landlord_decide_by", "created_at"):
        base[key] = datetime.fromisoformat(base[key])
    for key in ("round_id", "unit_id", "landlord_id"):
        base[key] = uuid.UUID(base[key])
    other_round = {**base, "round_id": uuid.UUID(offer["round_id"])}
    async with runtime.db.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(insert(Offer).values(**other_round))
    same_household = {
        **base,
        "unit_id": uuid.uuid4(),
        "household_id": uuid.UUID(offer["household_id"]),
        "round_id": uuid.UUID(offer["round_id"]),
    }
    async with runtime.db.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(insert(Offer).values(**same_household))
    # Withdrawing the unit withdraws its open offer (R9).
    withdrawn = landlords.UnitWithdrawn(
        unit_id=uuid.UUID(offer["unit_id"]),
        landlord_id=uuid.UUID(offer["landlord_id"]),
        entity_version=2,
    )
    await env.publish(withdrawn)

    async def closed() -> bool:
        got = await env.client.get(f"/v1/offers/{offer['id']}", headers=env.staff())
        return bool(got.json()["status"] == "withdrawn")

    await wait_until(closed, within=15)
    assert (await _subjects(env)).count("matching.offer.withdrawn.v1") == 1


async def test_t11_overlapping_rounds_never_offer_a_unit_twice(env: Any) -> None:
    await env.publish(*[env.registered(priority=10 * (i + 1)) for i in range(3)])
    await env.publish(env.published())
    await env.settle("household_profile", 3)
    await env.settle("unit_listing", 1)
    whole = await env.round()
    cremona = await env.round(comuni=["Cremona"])
    results = await asyncio.gather(
        *[
            env.client.post(
                f"/v1/rounds/{r['id']}/approve", headers=env.staff("supervisor", keyed=True)
            )
            for r in (whole, cremona)
        ]
    )
    assert sorted(r.status_code for r in results) in ([200, 200], [200, 409])
    open_offers = [o for o in await env.offers() if o["open"]]
    assert len(open_offers) == 1


async def test_a_booked_visit_has_a_date_both_sides_learn_and_can_be_moved(env: Any) -> None:
    (offer,) = await _offered(env)
    url = f"/v1/offers/{offer['id']}/visit"
    missing = await env.client.post(url, json={}, headers=env.staff(keyed=True))
    assert missing.status_code == 422
    naive = await env.client.post(
        url, json={"visit_at": "2030-01-01T10:00:00"}, headers=env.staff(keyed=True)
    )
    assert naive.status_code == 422
    past = await env.client.post(
        url, json={"visit_at": "2020-01-01T10:00:00+00:00"}, headers=env.staff(keyed=True)
    )
    assert past.status_code == 422
    assert past.json()["errors"][0]["pointer"] == "/visit_at"
    assert past.json()["errors"][0]["code"] == "future"
    late = await env.client.post(
        url, json={"visit_at": _visit_time(offer, -1)}, headers=env.staff(keyed=True)
    )
    assert late.status_code == 422
    assert late.json()["errors"][0]["code"] == "before_respond_by"

    first, moved = _visit_time(offer, 3), _visit_time(offer, 1)
    booked = await env.client.post(url, json={"visit_at": first}, headers=env.staff(keyed=True))
    assert booked.status_code == 200
    assert booked.json()["status"] == "visit_booked"
    assert datetime.fromisoformat(booked.json()["visit_at"]) == datetime.fromisoformat(first)
    again = await env.client.post(url, json={"visit_at": moved}, headers=env.staff(keyed=True))
    assert datetime.fromisoformat(again.json()["visit_at"]) == datetime.fromisoformat(moved)
    events = [
        r for r in await rows(env.svc, "outbox_event") if r["subject"].endswith("visit_booked.v1")
    ]
    assert len(events) == 2
    assert [e["aggregate_id"] for e in events] == [offer["id"], offer["id"]]

    accepted = await _answer(env, offer["id"], {"answer": "accept"})
    assert accepted.status_code == 200
    closed = await env.client.post(url, json={"visit_at": moved}, headers=env.staff(keyed=True))
    assert closed.status_code == 409
