"""Landlord onboarding, identity checks, API keys (rotation, revocation, recorded uses)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from shared.fiscal_codes import codice_fiscale_check_char
from shared.testing.inspect import rows, stream_messages
from shared.testing.waiting import wait_until

CF = "RSSMRA80A01D150" + codice_fiscale_check_char("RSSMRA80A01D150")


async def test_onboarding_shows_the_key_once_and_stores_only_its_hash(
    api: Any, jetstream_ops: Any
) -> None:
    body = api.landlord_body(
        legal_form="person", kind="private", codice_fiscale=CF, partita_iva=None
    )
    headers = api.staff(key="onboard-1")
    created = await api.client.post("/v1/landlords", json=body, headers=headers)
    assert created.status_code == 201, created.text
    data = created.json()
    token = data["api_key"]
    assert token.startswith(f"lk_{data['api_key_id']}_")
    assert data["landlord"]["codice_fiscale"] == CF

    # The replay never shows the key again: it points to rotation instead.
    replay = await api.client.post("/v1/landlords", json=body, headers=headers)
    assert replay.status_code == 422
    assert token not in replay.text
    assert "rotate" in replay.json()["detail"]

    keys = await rows(api.svc, "api_key")
    assert [k["key_id"] for k in keys] == [data["api_key_id"]]
    for table in ("api_key", "idempotency_record", "outbox_event", "landlord"):
        assert token.split("_", 2)[2] not in json.dumps(await rows(api.svc, table), default=str)

    me = await api.client.get(
        f"/v1/landlords/{data['landlord']['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 200
    assert me.json()["display_name"] == body["display_name"]

    await wait_until(api.published)
    messages = await stream_messages(jetstream_ops, "LANDLORDS")
    assert [m[0] for m in messages] == ["landlords.landlord.onboarded.v1"]
    assert CF not in json.dumps(messages)


async def test_identity_rules_and_duplicates(api: Any) -> None:
    wrong_cf = CF[:15] + ("A" if CF[15] != "A" else "B")
    cases = [
        (
            {"legal_form": "person", "kind": "private", "codice_fiscale": wrong_cf},
            ("/body/codice_fiscale", "invalid_codice_fiscale"),
        ),
        (
            {"legal_form": "person", "kind": "cooperative", "codice_fiscale": CF},
            ("/body/kind", "kind_requires_organisation"),
        ),
        ({"partita_iva": "01234567890"}, ("/body/partita_iva", "invalid_partita_iva")),
        ({"email": None, "phone": None}, ("/body/email", "contact_required")),
    ]
    for overrides, expected in cases:
        body = api.landlord_body(partita_iva=None) | overrides
        if body["legal_form"] == "organisation" and body.get("partita_iva") is None:
            body["partita_iva"] = api.landlord_body()["partita_iva"]
        body = {k: v for k, v in body.items() if v is not None}
        response = await api.client.post(
            "/v1/landlords", json=body, headers=api.staff(key=uuid.uuid4().hex)
        )
        assert response.status_code == 422, (overrides, response.text)
        assert expected in [(e["pointer"], e["code"]) for e in response.json()["errors"]]
        assert wrong_cf not in response.text
    first = api.landlord_body()
    ok = await api.client.post("/v1/landlords", json=first, headers=api.staff(key="dup-1"))
    assert ok.status_code == 201
    again = await api.client.post(
        "/v1/landlords", json=first | {"display_name": "Other"}, headers=api.staff(key="dup-2")
    )
    assert again.status_code == 409
    assert first["partita_iva"] not in again.text


async def test_onboarding_needs_a_caseworker(api: Any) -> None:
    landlord = await api.onboard()
    body = api.landlord_body()
    as_landlord = await api.client.post("/v1/landlords", json=body, headers=landlord.keyed())
    assert as_landlord.status_code == 403
    anonymous = await api.client.post("/v1/landlords", json=body)
    assert anonymous.status_code == 401
    listed = await api.client.get("/v1/landlords", headers=landlord.headers)
    assert listed.status_code == 403


async def test_rotation_allows_two_active_keys_and_revocation_is_immediate(api: Any) -> None:
    landlord = await api.onboard()
    path = f"/v1/landlords/{landlord.id}/api-keys"
    rotated = await api.client.post(path, headers=landlord.keyed("rot-1"))
    assert rotated.status_code == 201, rotated.text
    new_key = rotated.json()["api_key"]
    new_headers = {"Authorization": f"Bearer {new_key}"}
    # A third active key is refused: revoke one first.
    third = await api.client.post(path, headers=landlord.keyed("rot-2"))
    assert third.status_code == 409
    # Both keys work during the rotation.
    for headers in (landlord.headers, new_headers):
        assert (await api.client.get("/v1/units", headers=headers)).status_code == 200
    revoked = await api.client.delete(f"{path}/{landlord.key_id}", headers=new_headers)
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    old = await api.client.get("/v1/units", headers=landlord.headers)
    assert old.status_code == 401
    assert (await api.client.get("/v1/units", headers=new_headers)).status_code == 200
    listed = await api.client.get(path, headers=new_headers)
    items = {k["key_id"]: k for k in listed.json()["items"]}
    assert items[landlord.key_id]["active"] is False
    new_id = rotated.json()["key"]["key_id"]
    assert items[new_id]["use_count"] >= 3
    assert new_key not in listed.text
    # The rotation replay does not show the secret again.
    replay = await api.client.post(path, headers={**new_headers, "Idempotency-Key": "rot-1"})
    assert new_key not in replay.text


async def test_every_key_use_is_recorded_by_route_template(api: Any) -> None:
    landlord = await api.onboard()
    unit = await api.create_unit(landlord)
    await api.client.get(f"/v1/units/{unit['id']}", headers=landlord.headers)
    uses = await rows(api.svc, "api_key_use")
    assert [(u["method"], u["route"]) for u in uses] == [
        ("POST", "/v1/units"),
        ("GET", "/v1/units/{unit_id}"),
    ]
    assert all(u["key_id"] == landlord.key_id for u in uses)


async def test_another_landlords_keys_and_record_are_not_found(api: Any) -> None:
    a = await api.onboard()
    b = await api.onboard()
    missing = str(uuid.uuid4())
    for method, path in (
        ("GET", "/v1/landlords/{id}"),
        ("GET", "/v1/landlords/{id}/api-keys"),
        ("DELETE", "/v1/landlords/{id}/api-keys/" + a.key_id),
    ):
        foreign = await api.client.request(method, path.format(id=a.id), headers=b.headers)
        absent = await api.client.request(method, path.format(id=missing), headers=b.headers)
        assert foreign.status_code == absent.status_code == 404
        f, n = foreign.json(), absent.json()
        f.pop("instance"), n.pop("instance")
        assert f == n
    rotate = await api.client.post(f"/v1/landlords/{a.id}/api-keys", headers=b.keyed())
    assert rotate.status_code == 404
    assert (await api.client.get("/v1/units", headers=a.headers)).status_code == 200


async def test_contact_is_for_notifications_only(api: Any) -> None:
    landlord = await api.onboard(email="owner@example.org")
    path = f"/internal/v1/landlords/{landlord.id}/contact"
    ok = await api.client.get(path, headers=api.service("svc-notifications"))
    assert ok.status_code == 200
    assert ok.json()["email"] == "owner@example.org"
    for headers in (api.service("svc-registry"), api.staff(), landlord.headers):
        assert (await api.client.get(path, headers=headers)).status_code == 403
    assert (await api.client.get(path)).status_code == 401
    missing = await api.client.get(
        f"/internal/v1/landlords/{uuid.uuid4()}/contact", headers=api.service("svc-notifications")
    )
    assert missing.status_code == 404
