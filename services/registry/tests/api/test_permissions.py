"""T14 (the registry's rows): every operation x principal x object; T17: mass assignment is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from shared.testing.inspect import rows
from shared.testing.services import DevKeys

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry

Body = Callable[..., dict[str, Any]]

STAFF = "caseworker"
SUPERVISOR = "supervisor"
NOTIFICATIONS = "svc-notifications"
# operation -> (who may call it, request body, whether it names a household)
MATRIX: dict[tuple[str, str], tuple[str, Any, bool]] = {
    ("POST", "/v1/households"): (STAFF, "household", False),
    ("GET", "/v1/households"): (STAFF, None, False),
    ("GET", "/v1/households/import/template"): (STAFF, None, False),
    ("POST", "/v1/households/import"): (STAFF, "csv", False),
    ("GET", "/v1/households/{household_id}"): (STAFF, None, True),
    ("PATCH", "/v1/households/{household_id}"): (STAFF, {"reference": "P-1"}, True),
    ("POST", "/v1/households/{household_id}/submit"): (STAFF, None, True),
    ("POST", "/v1/households/{household_id}/verify"): (STAFF, None, True),
    ("GET", "/v1/households/{household_id}/eligibility"): (STAFF, None, True),
    ("GET", "/v1/households/{household_id}/status"): (STAFF, None, True),
    ("POST", "/v1/households/{household_id}/status"): (
        STAFF,
        {"programme": "agency", "status": "suspended", "reason_code": "x", "until": "2099-01-01"},
        True,
    ),
    ("POST", "/v1/households/{household_id}/withdraw"): (STAFF, {"reason_code": "x"}, True),
    ("GET", "/v1/households/{household_id}/export"): (SUPERVISOR, None, True),
    ("DELETE", "/v1/households/{household_id}"): (SUPERVISOR, None, True),
    ("GET", "/v1/households/{household_id}/erasure"): (SUPERVISOR, None, True),
    ("PUT", "/v1/households/{household_id}/legal-hold"): (
        SUPERVISOR,
        {"hold": False, "reason_code": "x"},
        True,
    ),
    ("GET", "/v1/audit/verify"): (SUPERVISOR, None, False),
    ("GET", "/internal/v1/households/{household_id}/contact"): (NOTIFICATIONS, None, True),
}
PRINCIPALS = ("anonymous", "landlord", "caseworker", "supervisor", NOTIFICATIONS, "svc-matching")


def _headers(dev_keys: DevKeys, principal: str) -> dict[str, str]:
    if principal == "anonymous":
        return {}
    if principal == "landlord":
        return {"Authorization": "Bearer lk_0123456789abcdef_notakeyhere"}
    if principal.startswith("svc-"):
        return {
            "Authorization": f"Bearer {dev_keys.signer.mint(sub=principal, audience='registry')}"
        }
    return dev_keys.headers(principal, sub=f"{principal}-1")


def _expected_denial(principal: str, allowed: str) -> int | None:
    if principal in ("anonymous", "landlord"):
        return 401
    may = {
        STAFF: {"caseworker", "supervisor"},
        SUPERVISOR: {"supervisor"},
        NOTIFICATIONS: {NOTIFICATIONS},
    }[allowed]
    return None if principal in may else 403


async def test_every_operation_is_in_the_matrix(started: Started) -> None:
    async with started() as registry:
        paths = registry.svc.app.openapi()["paths"]
        ours = {
            (method.upper(), path)
            for path, item in paths.items()
            if path.startswith(("/v1/", "/internal/v1/households"))
            for method in item
        }
        assert ours == set(MATRIX)


async def test_the_permission_matrix(started: Started, dev_keys: DevKeys, body: Body) -> None:
    async with started() as registry:
        denials = 0
        shared = (await registry.registered(body(submit=False)))["id"]
        for (method, path), (allowed, payload, names_household) in MATRIX.items():
            for principal in PRINCIPALS:
                denied = _expected_denial(principal, allowed)
                for target in ("own", "nonexistent") if names_household else ("none",):
                    if target != "own":
                        hid = str(uuid.uuid4())
                    elif denied is not None or method == "GET":  # reads change nothing
                        hid = shared
                    else:
                        hid = (await registry.registered(body(submit=False)))["id"]
                    url = path.replace("{household_id}", hid)
                    headers = {
                        **_headers(dev_keys, principal),
                        "Idempotency-Key": str(uuid.uuid4()),
                    }
                    kwargs: dict[str, Any] = {"headers": headers}
                    if payload == "household":
                        kwargs["json"] = body()
                    elif payload == "csv":
                        headers["Content-Type"] = "text/csv"
                        kwargs["content"] = "reference,given_name\n"
                    elif payload is not None:
                        kwargs["json"] = payload
                    response = await registry.client.request(method, url, **kwargs)
                    cell = (method, path, principal, target, response.status_code)
                    if denied is not None:
                        assert response.status_code == denied, cell
                        denials += denied == 403
                    elif target == "nonexistent":
                        assert response.status_code == 404, cell
                        assert hid not in response.json().get("detail", ""), cell
                    elif path.endswith("/erasure"):
                        assert response.status_code == 404, cell  # no erasure requested yet
                    else:
                        assert response.status_code < 500, cell
                        assert response.status_code not in (401, 403, 404), cell
                    assert response.status_code < 500, cell
        audited = [r for r in await rows(registry.svc, "audit_record") if r["outcome"] == "denied"]
        assert len(audited) == denials


PRIVILEGED = {
    "id": str(uuid.uuid4()),
    "status": "eligible",
    "state": "eligible",
    "priority_score": 100,
    "priority": {"score": 100},
    "entity_version": 99,
    "created_at": "2020-01-01T00:00:00Z",
    "legal_hold": True,
    "verified": True,
    "programmes": [],
}


async def test_extra_and_privileged_fields_are_422_and_change_nothing(
    started: Started, body: Body
) -> None:
    async with started() as registry:
        created = await registry.registered()
        hid = created["id"]
        before = await rows(registry.svc, "household")
        for name, value in PRIVILEGED.items():
            response = await registry.register(body(**{name: value}))
            assert response.status_code == 422, name
            assert response.json()["errors"][0]["code"] == "extra_forbidden"
            patched = await registry.client.patch(
                f"/v1/households/{hid}", json={name: value}, headers=registry.staff()
            )
            assert patched.status_code == 422, name
            nested = await registry.client.patch(
                f"/v1/households/{hid}",
                json={"needs": {"step_free": True, name: value}},
                headers=registry.staff(),
            )
            assert nested.status_code == 422, name
        assert await rows(registry.svc, "household") == before
        for bad in ("not json", '{"reference": "A\\u0000B"}'):
            response = await registry.client.patch(
                f"/v1/households/{hid}",
                content=bad,
                headers={**registry.staff(), "Content-Type": "application/json"},
            )
            assert response.status_code == 422
        wrong_type = await registry.client.patch(
            f"/v1/households/{hid}",
            content="a=b",
            headers={**registry.staff(), "Content-Type": "text/plain"},
        )
        assert wrong_type.status_code == 415
        huge = await registry.client.patch(
            f"/v1/households/{hid}", json={"reference": "A" * 70_000}, headers=registry.staff()
        )
        assert huge.status_code == 413
        assert await rows(registry.svc, "household") == before
