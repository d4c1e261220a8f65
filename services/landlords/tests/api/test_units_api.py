"""Units through the API: each validation rule, lawful filters, mass assignment, lifecycle."""

from __future__ import annotations

import uuid
from typing import Any

from shared.testing.inspect import rows


async def _post(api: Any, landlord: Any, body: dict[str, Any]) -> Any:
    return await api.client.post("/v1/units", json=body, headers=landlord.keyed())


# One case per rule: (overrides, pointer, code).
RULES = [
    ({"comune": "Milano"}, "/body/comune", "comune_not_in_ambito"),
    ({"zone": None}, "/body/zone", "zone_required"),
    ({"zone": "luna"}, "/body/zone", "unknown_zone"),
    ({"bedrooms": 2}, "/body/bedrooms", "bedrooms_not_below_rooms"),
    ({"surface_m2": "500"}, "/body/surface_m2", "surface_implausible_for_rooms"),
    ({"monthly_rent_eur": "900.00"}, "/body/monthly_rent_eur", "rent_outside_band"),
    ({"monthly_rent_eur": "50.00"}, "/body/monthly_rent_eur", "rent_outside_band"),
    ({"cadastral_category": "A/10"}, "/body/cadastral_category", "not_residential"),
    ({"contract_term": "4+4"}, "/body/contract_term", "contract_term_not_allowed"),
    (
        {"contract_type": "free_market", "contract_term": None},
        "/body/contract_term",
        "missing",
    ),
    (
        {"contract_type": "transitorio", "contract_term": None, "transitorio_months": 30},
        "/body/transitorio_months",
        "transitorio_duration_out_of_range",
    ),
    (
        {"filters": {"max_occupants": 9}},
        "/body/filters/max_occupants",
        "max_occupants_above_capacity",
    ),
    (
        {"surface_m2": "95", "rooms": 4, "bedrooms": 3, "filters": {"max_occupants": 1}},
        "/body/filters/max_occupants",
        "OCCUPANCY_FILTER_EXCLUDES_ALL",
    ),
    ({"energy_class": "Z"}, "/body/energy_class", "literal_error"),
    ({"monthly_rent_eur": "280.001"}, "/body/monthly_rent_eur", "decimal_max_places"),
    ({"address": "Via\x00Roma"}, "/body/address", "control_characters"),
]


CANARIES = ("Milano", "luna", "900.00", "50.00", "Via\x00Roma")


async def test_each_validation_rule_names_its_field(api: Any) -> None:
    landlord = await api.onboard()
    for overrides, pointer, code in RULES:
        body = {k: v for k, v in api.unit(**overrides).items() if v is not None}
        response = await _post(api, landlord, body)
        assert response.status_code == 422, (overrides, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert (pointer, code) in [(e["pointer"], e["code"]) for e in problem["errors"]], overrides
        # Problems never echo the input.
        assert not [c for c in CANARIES if c in overrides.values() and c in response.text]
    assert await rows(api.svc, "unit") == []


PROHIBITED = ["nationality", "religion", "children", "age", "disability", "income_source"]


async def test_discriminatory_conditions_are_rejected_naming_the_lawful_ones(api: Any) -> None:
    landlord = await api.onboard()
    for criterion in PROHIBITED:
        body = api.unit(filters={"pets_allowed": False, criterion: "x"})
        response = await _post(api, landlord, body)
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["pointer"] == f"/body/filters/{criterion}"
        assert error["code"] == "prohibited_landlord_filter"
        assert "max_occupants, pets_allowed, smoking_allowed" in error["message"]
    assert await rows(api.svc, "unit") == []


async def test_unknown_filters_are_rejected_too(api: Any) -> None:
    landlord = await api.onboard()
    response = await _post(api, landlord, api.unit(filters={"only_workers": True}))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unknown_landlord_filter"


async def test_notes_that_may_discriminate_hold_the_unit_for_review(api: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord, notes="Bel bilocale, no stranieri.")
    assert unit["status"] == "in_verification"
    assert unit["held_for_review"] is True
    assert [w["code"] for w in unit["warnings"]] == ["notes_held_for_review"]
    assert "review_keywords" not in unit
    staff = await api.client.get(f"/v1/units/{unit['id']}", headers=api.staff())
    assert staff.json()["review_keywords"] == ["stranieri"]
    # Approval needs the caseworker to confirm the notes were reviewed.
    refused = await api.verify(unit["id"], outcome="approve")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "notes_review_required"
    approved = await api.verify(unit["id"], outcome="approve", notes_reviewed=True)
    assert approved.status_code == 200
    assert approved.json()["status"] == "published"
    assert approved.json()["held_for_review"] is False


async def test_occupancy_filter_below_capacity_is_a_review_warning(api: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord, filters={"max_occupants": 2})
    assert unit["status"] == "submitted"
    assert [w["code"] for w in unit["warnings"]] == ["OCCUPANCY_FILTER_REVIEW"]


PRIVILEGED: list[tuple[str, Any]] = [
    ("landlord_id", str(uuid.uuid4())),
    ("status", "published"),
    ("verified", True),
    ("id", str(uuid.uuid4())),
    ("created_at", "2020-01-01T00:00:00Z"),
]


async def test_mass_assignment_is_refused_and_changes_nothing(api: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord)
    before = await rows(api.svc, "unit")
    landlords_before = await rows(api.svc, "landlord")
    for field, value in PRIVILEGED:
        created = await _post(api, landlord, api.unit(unit_reference="X", **{field: value}))
        assert created.status_code == 422
        assert created.json()["errors"][0]["pointer"] == f"/body/{field}"
        patched = await api.client.patch(
            f"/v1/units/{unit['id']}", json={field: value}, headers=landlord.headers
        )
        assert patched.status_code == 422
        onboard = await api.client.post(
            "/v1/landlords",
            json=api.landlord_body(**{field: value}),
            headers=api.staff(key=uuid.uuid4().hex),
        )
        assert onboard.status_code == 422
    assert await rows(api.svc, "unit") == before
    assert await rows(api.svc, "landlord") == landlords_before


async def test_wrong_content_type_and_oversized_bodies(api: Any) -> None:
    landlord = await api.onboard()
    text = await api.client.post(
        "/v1/units",
        content=b"address=x",
        headers={**landlord.keyed(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert text.status_code == 415
    big = api.unit(notes="x" * 70_000)
    too_large = await _post(api, landlord, big)
    assert too_large.status_code == 413
    assert await rows(api.svc, "unit") == []


async def test_patch_changes_and_revalidates_a_unit(api: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord)
    path = f"/v1/units/{unit['id']}"
    ok = await api.client.patch(
        path,
        json={"monthly_rent_eur": "300.00", "filters": {"smoking_allowed": False}},
        headers=landlord.headers,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["monthly_rent_eur"] == "300.00"
    assert ok.json()["filters"] == {
        "max_occupants": 3,
        "pets_allowed": True,
        "smoking_allowed": False,
        "available_from": None,
        "min_contract_term": None,
    }
    bad = await api.client.patch(path, json={"bedrooms": 5}, headers=landlord.headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["code"] == "bedrooms_not_below_rooms"
    prohibited = await api.client.patch(
        path, json={"filters": {"nationality": "IT"}}, headers=landlord.headers
    )
    assert prohibited.status_code == 422
    assert prohibited.json()["errors"][0]["code"] == "prohibited_landlord_filter"
    fetched = await api.client.get(path, headers=landlord.headers)
    assert fetched.json()["monthly_rent_eur"] == "300.00"


async def test_the_same_unit_twice_is_a_conflict(api: Any) -> None:
    landlord = await api.onboard()
    await api.create_unit(landlord)
    again = await _post(api, landlord, api.unit(address="via solferino, 12"))
    assert again.status_code == 409


async def test_lists_are_paginated_and_filtered(api: Any) -> None:
    a = await api.onboard()
    b = await api.onboard()
    for i in range(5):
        await api.create_unit(a, unit_reference=f"R{i}")
    await api.create_unit(b, comune="Soresina", zone=None, monthly_rent_eur="200.00")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await api.client.get("/v1/units", params=params, headers=a.headers)
        assert page.status_code == 200
        seen += [u["id"] for u in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    staff = await api.client.get("/v1/units", params={"comune": "Soresina"}, headers=api.staff())
    assert [u["landlord_id"] for u in staff.json()["items"]] == [b.id]
    by_landlord = await api.client.get(
        "/v1/units", params={"landlord_id": a.id, "status": "submitted"}, headers=api.staff()
    )
    assert len(by_landlord.json()["items"]) == 5
    bad_cursor = await api.client.get("/v1/units", params={"cursor": "!!"}, headers=a.headers)
    assert bad_cursor.status_code == 422
    # A NUL in a filter was a 503 on PostgreSQL, which refuses it (found by the deep T16).
    nul = await api.client.get("/v1/units", params={"comune": "Cre\x00mona"}, headers=api.staff())
    assert nul.status_code == 422


async def test_incentives_of_a_concordato_unit(api: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord, contract_term="4+2")
    response = await api.client.get(f"/v1/units/{unit['id']}/incentives", headers=landlord.headers)
    assert response.status_code == 200
    data = response.json()
    assert data["one_off_grant_eur"] == "1500.00"
    assert data["guarantee"]["max_months"] == 18
    assert data["tax"] == {
        "cedolare_secca_rate": "0.1000",
        "cedolare_secca_reduced": True,
        "imu_share_of_rate": "0.7500",
    }
    free = await api.create_unit(
        landlord,
        unit_reference="B",
        contract_type="free_market",
        contract_term="4+4",
        monthly_rent_eur="600.00",
    )
    other = await api.client.get(f"/v1/units/{free['id']}/incentives", headers=landlord.headers)
    assert other.json()["one_off_grant_eur"] is None
    assert other.json()["guarantee"] is None
    assert other.json()["tax"]["cedolare_secca_rate"] == "0.2100"
