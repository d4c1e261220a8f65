"""Household links (RELIABILITY.md 3.1, T18): minted for notifications, the page, single-use answers."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from shared.testing.inspect import rows


async def _offer(env: Any) -> dict[str, Any]:
    await env.publish(env.registered())
    await env.publish(env.published())
    await env.settle("household_profile", 1)
    await env.settle("unit_listing", 1)
    done = await env.round(approve=True)
    (offer,) = await env.offers(round_id=done["id"])
    return dict(offer)


async def _link(env: Any, offer_id: str) -> str:
    r = await env.client.get(
        f"/internal/v1/offers/{offer_id}/link", headers=env.service("notifications")
    )
    assert r.status_code == 200, r.text
    url: str = r.json()["url"]
    return url.rsplit("/h/", 1)[1]


def _forge(token: str, *, flip: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[flip] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode()


async def test_link_page_and_single_use_answer(env: Any) -> None:
    offer = await _offer(env)
    token = await _link(env, offer["id"])
    assert len(token) == 44
    assert token == await _link(env, offer["id"])  # the same link while it lives
    got = await env.client.get(f"/v1/offers/{offer['id']}", headers=env.staff())
    assert got.json()["status"] == "sent"
    page = await env.client.get(f"/h/{token}")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert 'lang="it"' in page.text
    assert "Rispondere entro" in page.text
    english = await env.client.get(f"/h/{token}?lang=en")
    assert "Answer by" in english.text
    assert '<label for="reason_code">' in english.text
    action = page.text.split('action="', 1)[1].split('"', 1)[0]
    respond = action.split("/h/", 1)[1].split("/", 1)[0]
    form = {"answer": "decline", "reason_code": "WORK_OR_CARE_DISTANCE"}
    first = await env.client.post(f"/h/{respond}/response", data=form)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    reused = await env.client.post(f"/h/{respond}/response", data={"answer": "accept"})
    assert reused.status_code == 401
    got = await env.client.get(f"/v1/offers/{offer['id']}", headers=env.staff())
    assert got.json()["status"] == "refused_by_household"
    assert got.json()["household_reason"] == "WORK_OR_CARE_DISTANCE"
    # No token is stored anywhere in the database, only jtis (T20).
    for row in await rows(env.svc, "link_token"):
        assert token not in str(row)
        assert respond not in str(row)


async def test_t18_link_attacks_get_one_401(env: Any) -> None:
    offer = await _offer(env)
    token = await _link(env, offer["id"])
    page = await env.client.get(f"/h/{token}")
    action = page.text.split('action="', 1)[1].split('"', 1)[0]
    respond = action.split("/h/", 1)[1].split("/", 1)[0]
    attempts = [
        env.client.get(f"/h/{_forge(token, flip=30)}"),  # forged MAC
        env.client.get(f"/h/{_forge(token, flip=5)}"),  # another jti, MAC not matching
        env.client.get(f"/h/{respond}"),  # an answer link used as a view link
        env.client.post(f"/h/{token}/response", data={"answer": "accept"}),  # view link answering
        env.client.get("/h/not-a-token"),
        env.client.get(f"/h/{'A' * 44}"),
    ]
    bodies = []
    for attempt in attempts:
        r = await attempt
        assert r.status_code == 401
        assert r.headers["cache-control"] == "no-store"
        body = r.json()
        body.pop("instance", None)
        bodies.append(body)
    assert all(b == bodies[0] for b in bodies)


async def test_expired_link_and_internal_access(env: Any) -> None:
    offer = await _offer(env)
    token = await _link(env, offer["id"])
    staff = await env.client.get(
        f"/internal/v1/offers/{offer['id']}/link", headers=env.staff("supervisor")
    )
    assert staff.status_code == 403
    other = await env.client.get(
        f"/internal/v1/offers/{offer['id']}/link", headers=env.service("registry")
    )
    assert other.status_code == 403
    missing = await env.client.get(
        f"/internal/v1/offers/{uuid.uuid4()}/link", headers=env.service("notifications")
    )
    assert missing.status_code == 404
    job = next(j for j in env.svc.runtime.scheduler.jobs if j.name == "offer-expiry")
    await job.run(env.clock_after(12))
    runtime = env.svc.runtime
    original = runtime.db.clock
    runtime.db.clock = lambda: env.clock_after(12)
    try:
        r = await env.client.get(f"/h/{token}")
    finally:
        runtime.db.clock = original
    assert r.status_code == 401
