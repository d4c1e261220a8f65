"""T14's permission matrix for the landlords service: every operation, every kind of caller.

Each operation lists who may call it. Anonymous callers get 401, callers of another kind or role
403 before any lookup, allowed callers neither (ownership is checked by the BOLA tests). A route
without an entry fails the coverage test, so a new route cannot skip the matrix.
"""

from __future__ import annotations

import uuid
from typing import Any

from shared.runtime.app import PUBLIC_PATHS

CALLERS = (
    "caseworker",
    "supervisor",
    "landlord",
    "svc-notifications",
    "svc-registry",
    "svc-matching",
)
STAFF = {"caseworker", "supervisor"}
MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/landlords"): STAFF,
    ("GET", "/v1/landlords"): STAFF,
    ("GET", "/v1/landlords/{landlord_id}"): STAFF | {"landlord"},
    ("POST", "/v1/landlords/{landlord_id}/api-keys"): {"supervisor", "landlord"},
    ("GET", "/v1/landlords/{landlord_id}/api-keys"): {"supervisor", "landlord"},
    ("DELETE", "/v1/landlords/{landlord_id}/api-keys/{key_id}"): {"supervisor", "landlord"},
    ("POST", "/v1/units"): {"landlord"},
    ("POST", "/v1/units/import"): {"landlord"},
    ("GET", "/v1/units"): STAFF | {"landlord"},
    ("GET", "/v1/units/{unit_id}"): STAFF | {"landlord"},
    ("PATCH", "/v1/units/{unit_id}"): {"landlord"},
    ("DELETE", "/v1/units/{unit_id}"): STAFF | {"landlord"},
    ("POST", "/v1/units/{unit_id}/verification"): STAFF,
    ("GET", "/v1/units/{unit_id}/incentives"): STAFF | {"landlord"},
    ("GET", "/v1/offers"): STAFF | {"landlord"},
    ("GET", "/v1/offers/{offer_id}"): STAFF | {"landlord"},
    ("POST", "/v1/offers/{offer_id}/decision"): {"landlord"},
    ("GET", "/internal/v1/landlords/{landlord_id}/contact"): {"svc-notifications"},
    ("GET", "/internal/v1/households/{household_id}/export"): {"svc-registry"},
}


def _operations(app: Any) -> set[tuple[str, str]]:
    # From the OpenAPI document: this FastAPI nests included routers, so app.routes hides them.
    # The shared runtime's operations routes (health, metrics, dead letters) are tested with it.
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path not in PUBLIC_PATHS
        for method, operation in operations.items()
        if "operations" not in operation.get("tags", [])
    }


async def test_every_operation_has_a_matrix_entry(api: Any) -> None:
    assert _operations(api.svc.app) == set(MATRIX)


async def test_each_caller_gets_what_the_matrix_says(start_api: Any) -> None:
    # Many anonymous calls from one address: lift the authentication-failure limit for this test.
    async with start_api(auth_failures_per_min=1000) as api:
        await _check_matrix(api)


async def _check_matrix(api: Any) -> None:
    landlord = await api.onboard()
    headers: dict[str, dict[str, str]] = {
        "caseworker": api.staff("caseworker"),
        "supervisor": api.staff("supervisor"),
        "landlord": landlord.headers,
        "svc-notifications": api.service("svc-notifications"),
        "svc-registry": api.service("svc-registry"),
        "svc-matching": api.service("svc-matching"),
    }
    ids = {
        "landlord_id": str(uuid.uuid4()),
        "unit_id": str(uuid.uuid4()),
        "offer_id": str(uuid.uuid4()),
        "household_id": str(uuid.uuid4()),
        "key_id": "0" * 16,
    }
    for (method, template), allowed in MATRIX.items():
        path = template.format(**ids)
        anonymous = await api.client.request(method, path, json={})
        assert anonymous.status_code == 401, (method, template)
        for caller in CALLERS:
            response = await api.client.request(
                method, path, json={}, headers={**headers[caller], "Idempotency-Key": "m"}
            )
            if caller in allowed:
                assert response.status_code not in (401, 403), (method, template, caller)
            else:
                assert response.status_code == 403, (method, template, caller)
            assert response.headers["content-type"].startswith("application/")
