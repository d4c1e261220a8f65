"""Verification steps and the events they publish on the LANDLORDS stream."""

from __future__ import annotations

import uuid
from typing import Any

from shared.testing.inspect import stream_messages
from shared.testing.waiting import wait_until


async def _events(api: Any, js: Any) -> list[tuple[str, dict[str, Any]]]:
    await wait_until(api.published)
    return [(subject, payload) for subject, payload, _ in await stream_messages(js, "LANDLORDS")]


async def test_approval_publishes_every_fact_matching_needs(api: Any, jetstream_ops: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(
        landlord,
        floor=2,
        lift=True,
        filters={"max_occupants": 3, "pets_allowed": False, "available_from": "2027-01-01"},
    )
    taken = await api.verify(unit["id"], outcome="in_verification", note="visit booked")
    assert taken.status_code == 200
    assert taken.json()["status"] == "in_verification"
    approved = await api.verify(unit["id"], outcome="approve", note="documents checked")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "published"
    again = await api.verify(unit["id"], outcome="approve")
    assert again.status_code == 409

    events = await _events(api, jetstream_ops)
    subjects = [s for s, _ in events]
    assert subjects == [
        "landlords.landlord.onboarded.v1",
        "landlords.unit.submitted.v1",
        "landlords.unit.published.v1",
    ]
    submitted = events[1][1]
    assert submitted["unit_id"] == unit["id"]
    assert submitted["status"] == "submitted"
    published = events[2][1]
    assert published == published | {
        "unit_id": unit["id"],
        "landlord_id": landlord.id,
        "status": "published",
        "programme": "agency",
        "comune": "Cremona",
        "zone": "semicentro",
        "available_from": "2027-01-01",
        "area_m2": "55.0",
        "rooms": 2,
        "bedrooms": 1,
        "floor": 2,
        "lift": True,
        "rent_eur": "280.00",
        "charges_eur": "60.00",
        "band_ok": True,
        "contract_type": "concordato",
        "max_occupants": 3,
        "pets_allowed": False,
        "smoking_allowed": True,
        "needs_works": False,
    }
    assert published["entity_version"] == 3
    # The address and the notes never travel on the bus.
    assert "Solferino" not in str(events)

    seen = await api.client.get(f"/v1/units/{unit['id']}", headers=landlord.headers)
    assert seen.json()["verification"]["outcome"] == "approve"
    assert seen.json()["verification"]["note"] == "documents checked"


async def test_rejection_needs_a_reason_and_is_published(api: Any, jetstream_ops: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord)
    no_reason = await api.verify(unit["id"], outcome="reject")
    assert no_reason.status_code == 422
    bad_reason = await api.verify(unit["id"], outcome="reject", reason_code="not a code")
    assert bad_reason.status_code == 422
    rejected = await api.verify(unit["id"], outcome="reject", reason_code="NO_APE")
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    events = await _events(api, jetstream_ops)
    assert events[-1][0] == "landlords.unit.rejected.v1"
    assert events[-1][1]["reason_code"] == "NO_APE"
    # A rejected unit, corrected by its landlord, is submitted again.
    fixed = await api.client.patch(
        f"/v1/units/{unit['id']}", json={"energy_class": "D"}, headers=landlord.headers
    )
    assert fixed.json()["status"] == "submitted"


async def test_needs_works_and_corrections(api: Any, jetstream_ops: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord)
    corrected = await api.verify(
        unit["id"],
        outcome="needs_works",
        note="bathroom to redo",
        corrections={"floor": 1, "step_free": False},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "needs_works"
    assert corrected.json()["floor"] == 1
    bad = await api.verify(unit["id"], outcome="approve", corrections={"bedrooms": 4})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/body/corrections/bedrooms"
    approved = await api.verify(unit["id"], outcome="approve")
    assert approved.json()["status"] == "published"
    events = await _events(api, jetstream_ops)
    published = [p for s, p in events if s == "landlords.unit.published.v1"]
    assert [p["status"] for p in published] == ["needs_works", "published"]
    assert [p["needs_works"] for p in published] == [True, False]
    assert published[0]["entity_version"] < published[1]["entity_version"]


async def test_verification_is_for_caseworkers(api: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord)
    own = await api.client.post(
        f"/v1/units/{unit['id']}/verification",
        json={"outcome": "approve"},
        headers=landlord.headers,
    )
    assert own.status_code == 403
    missing = await api.verify(str(uuid.uuid4()), outcome="approve")
    assert missing.status_code == 404


async def test_published_unit_changes_and_withdrawal(api: Any, jetstream_ops: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord)
    await api.verify(unit["id"], outcome="approve")
    path = f"/v1/units/{unit['id']}"
    light = await api.client.patch(
        path, json={"filters": {"pets_allowed": False}}, headers=landlord.headers
    )
    assert light.json()["status"] == "published"
    heavy = await api.client.patch(
        path, json={"monthly_rent_eur": "290.00"}, headers=landlord.headers
    )
    assert heavy.json()["status"] == "submitted"
    withdrawn = await api.client.delete(path, headers=landlord.headers)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    again = await api.client.delete(path, headers=landlord.headers)
    assert again.json()["status"] == "withdrawn"
    frozen = await api.client.patch(path, json={"floor": 3}, headers=landlord.headers)
    assert frozen.status_code == 409
    events = await _events(api, jetstream_ops)
    assert [s.split(".")[2] for s, _ in events][2:] == [
        "published",  # approved
        "published",  # pets: re-announced with a higher version
        "withdrawn",  # rent: off the market until verified again
        "submitted",
        "withdrawn",  # the landlord withdrew it
    ]
    versions = [p["entity_version"] for s, p in events if "unit" in s]
    assert versions == sorted(versions)
    assert events[-1][1]["reason_code"] == "LANDLORD_WITHDREW"
