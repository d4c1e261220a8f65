"""T14's whole-system permission matrix: every OpenAPI operation of the four services.

Each entry says who may call the operation, what an allowed caller gets on an object in its scope,
and what the object is. The expected status of every other cell follows from RELIABILITY §3.2:
no or invalid credentials → 401; a principal kind or role not allowed → 403 before any lookup;
another landlord's object → 404, the same as a nonexistent one. A credential a service does not
know (a landlord key, a household link outside /h/) is an invalid credential there: 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

STAFF = frozenset({"caseworker", "supervisor"})
SUPERVISOR = frozenset({"supervisor"})
LANDLORDS = frozenset({"landlord-a", "landlord-b"})
HOUSEHOLDS = frozenset({"household-h1", "household-h2"})
EVERYONE = frozenset(
    {
        *STAFF,
        *LANDLORDS,
        *HOUSEHOLDS,
        "anonymous",
        "svc-notifications",
        "svc-registry",
    }
)
# Metrics: supervisors and every service account; none of our household or landlord principals.
METRICS = SUPERVISOR | {"svc-notifications", "svc-registry"}
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Entry:
    who: frozenset[str]
    ok: frozenset[int]
    """What an allowed caller gets on an object in its scope, with this entry's request."""
    obj: str | None = None
    """The object named in the path: household, unit, offer, landlord, key, round, message,
    dead_letter, view_link, answer_link; None for collections."""
    tenant: bool = False
    """The object belongs to a landlord: another landlord's is 404, like a nonexistent one."""
    json: Any = None
    form: dict[str, str] | None = None
    csv: str | None = None
    fresh: bool = False
    """The call changes or removes its object: each allowed call gets an object of its own."""
    missing: int = 404
    """What an allowed caller gets for a nonexistent object."""
    denied: int | None = None
    """The status of a known principal who is not allowed, when it is not 403 (signed callbacks)."""


def ok(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


_OPS = ok(200)
# A visit must come before the household's answer deadline, days after the seeded round.
_VISIT_AT = (datetime.now(UTC) + timedelta(days=2)).isoformat()
# Each service's operations routes (shared.runtime): health, ready, metrics and dead letters.
RUNTIME: dict[tuple[str, str], Entry] = {
    ("GET", "/health"): Entry(EVERYONE, _OPS),
    ("GET", "/ready"): Entry(EVERYONE, _OPS),
    ("GET", "/metrics"): Entry(METRICS, _OPS),
    ("GET", "/internal/v1/deadletters"): Entry(SUPERVISOR, _OPS),
    # No dead letter exists in the seeded world: an allowed caller gets 404 for any id.
    ("POST", "/internal/v1/deadletters/{dead_letter_id}/replay"): Entry(
        SUPERVISOR, ok(404), obj="dead_letter", json={"subject": "x", "data_b64": "e30="}
    ),
}

_REGISTRY: dict[tuple[str, str], Entry] = {
    ("POST", "/v1/households"): Entry(STAFF, ok(201), json="household"),
    ("GET", "/v1/households"): Entry(STAFF, _OPS),
    ("GET", "/v1/households/import/template"): Entry(STAFF, _OPS),
    ("POST", "/v1/households/import"): Entry(STAFF, ok(200, 422), csv="reference,given_name\n"),
    ("GET", "/v1/households/{household_id}"): Entry(STAFF, _OPS, obj="household"),
    ("PATCH", "/v1/households/{household_id}"): Entry(
        STAFF, _OPS, obj="household", json={"reference": "P-1"}
    ),
    ("POST", "/v1/households/{household_id}/submit"): Entry(STAFF, ok(409), obj="household"),
    ("POST", "/v1/households/{household_id}/verify"): Entry(STAFF, ok(409), obj="household"),
    ("GET", "/v1/households/{household_id}/eligibility"): Entry(STAFF, _OPS, obj="household"),
    ("GET", "/v1/households/{household_id}/status"): Entry(STAFF, _OPS, obj="household"),
    ("POST", "/v1/households/{household_id}/status"): Entry(
        STAFF,
        _OPS,
        obj="household",
        fresh=True,
        json={
            "programme": "agency",
            "status": "suspended",
            "reason_code": "x",
            "until": "2099-01-01",
        },
    ),
    ("POST", "/v1/households/{household_id}/withdraw"): Entry(
        STAFF, _OPS, obj="household", fresh=True, json={"reason_code": "x"}
    ),
    ("GET", "/v1/households/{household_id}/export"): Entry(SUPERVISOR, _OPS, obj="household"),
    ("DELETE", "/v1/households/{household_id}"): Entry(
        SUPERVISOR, _OPS, obj="household", fresh=True
    ),
    # No erasure was requested for the seeded households.
    ("GET", "/v1/households/{household_id}/erasure"): Entry(SUPERVISOR, ok(404), obj="household"),
    ("PUT", "/v1/households/{household_id}/legal-hold"): Entry(
        SUPERVISOR, _OPS, obj="household", json={"hold": False, "reason_code": "x"}
    ),
    ("GET", "/v1/audit/verify"): Entry(SUPERVISOR, _OPS),
    ("GET", "/internal/v1/households/{household_id}/contact"): Entry(
        frozenset({"svc-notifications"}), _OPS, obj="household"
    ),
}

_OWNER = STAFF | LANDLORDS
_LANDLORDS: dict[tuple[str, str], Entry] = {
    ("POST", "/v1/landlords"): Entry(STAFF, ok(201), json="landlord"),
    ("GET", "/v1/landlords"): Entry(STAFF, _OPS),
    ("GET", "/v1/landlords/{landlord_id}"): Entry(_OWNER, _OPS, obj="landlord", tenant=True),
    # Revoking runs before issuing: a landlord holds at most two active keys.
    ("DELETE", "/v1/landlords/{landlord_id}/api-keys/{key_id}"): Entry(
        SUPERVISOR | LANDLORDS, _OPS, obj="key", tenant=True, fresh=True
    ),
    ("POST", "/v1/landlords/{landlord_id}/api-keys"): Entry(
        SUPERVISOR | LANDLORDS, ok(201, 409), obj="landlord", tenant=True
    ),
    ("GET", "/v1/landlords/{landlord_id}/api-keys"): Entry(
        SUPERVISOR | LANDLORDS, _OPS, obj="landlord", tenant=True
    ),
    ("POST", "/v1/units"): Entry(LANDLORDS, ok(201), json="unit"),
    ("POST", "/v1/units/import"): Entry(LANDLORDS, ok(200, 422), csv="unit_reference\n"),
    ("GET", "/v1/units"): Entry(_OWNER, _OPS),
    ("GET", "/v1/units/{unit_id}"): Entry(_OWNER, _OPS, obj="unit", tenant=True),
    ("PATCH", "/v1/units/{unit_id}"): Entry(
        LANDLORDS, ok(200, 409), obj="unit", tenant=True, json={"floor": 2}
    ),
    ("DELETE", "/v1/units/{unit_id}"): Entry(_OWNER, _OPS, obj="unit", tenant=True, fresh=True),
    ("POST", "/v1/units/{unit_id}/verification"): Entry(
        STAFF, ok(409), obj="unit", json={"outcome": "approve"}
    ),
    ("GET", "/v1/units/{unit_id}/incentives"): Entry(_OWNER, _OPS, obj="unit", tenant=True),
    ("GET", "/v1/offers"): Entry(_OWNER, _OPS),
    ("GET", "/v1/offers/{offer_id}"): Entry(_OWNER, _OPS, obj="offer", tenant=True),
    ("POST", "/v1/offers/{offer_id}/decision"): Entry(
        LANDLORDS, ok(202, 409), obj="offer", tenant=True, json={"decision": "accept"}
    ),
    ("GET", "/internal/v1/landlords/{landlord_id}/contact"): Entry(
        frozenset({"svc-notifications"}), _OPS, obj="landlord"
    ),
    # An export part lists what the service holds on the household: nothing is an empty part.
    ("GET", "/internal/v1/households/{household_id}/export"): Entry(
        frozenset({"svc-registry"}), _OPS, obj="household", missing=200
    ),
}

_MATCHING: dict[tuple[str, str], Entry] = {
    # Links and household pages first: answering closes the offers the later cells read.
    ("GET", "/internal/v1/offers/{offer_id}/link"): Entry(
        frozenset({"svc-notifications"}), _OPS, obj="offer"
    ),
    ("GET", "/h/{token}"): Entry(HOUSEHOLDS, _OPS, obj="view_link", missing=401, denied=401),
    ("POST", "/h/{token}/response"): Entry(
        HOUSEHOLDS,
        _OPS,
        obj="answer_link",
        missing=401,
        denied=401,
        form={"answer": "decline", "reason_code": "WORK_OR_CARE_DISTANCE"},
    ),
    ("GET", "/v1/pool"): Entry(STAFF, _OPS),
    ("GET", "/v1/policies"): Entry(STAFF, _OPS),
    ("POST", "/v1/simulations"): Entry(SUPERVISOR, _OPS, json={}),
    # A round over a comune with no units: it offers nothing; the second caller finds it running.
    ("POST", "/v1/rounds"): Entry(STAFF, ok(202, 409), json={"comuni": ["Sospiro"]}),
    ("GET", "/v1/rounds"): Entry(STAFF, _OPS),
    ("GET", "/v1/rounds/{round_id}"): Entry(STAFF, _OPS, obj="round"),
    ("GET", "/v1/rounds/{round_id}/snapshot"): Entry(STAFF, _OPS, obj="round"),
    ("GET", "/v1/rounds/{round_id}/explanations/{household_id}"): Entry(STAFF, _OPS, obj="round"),
    ("POST", "/v1/rounds/{round_id}/approve"): Entry(SUPERVISOR, ok(409), obj="round"),
    ("GET", "/v1/rounds/{round_id}/offers"): Entry(STAFF, _OPS, obj="round", missing=200),
    ("GET", "/v1/offers"): Entry(STAFF, _OPS),
    ("GET", "/v1/offers/{offer_id}"): Entry(STAFF, _OPS, obj="offer"),
    ("POST", "/v1/offers/{offer_id}/response"): Entry(
        STAFF, ok(200, 409), obj="offer", json={"answer": "accept"}
    ),
    ("POST", "/v1/offers/{offer_id}/classification"): Entry(
        STAFF, ok(200, 409), obj="offer", json={"classification": "justified"}
    ),
    ("POST", "/v1/offers/{offer_id}/visit"): Entry(
        STAFF, ok(200, 409), obj="offer", json={"visit_at": _VISIT_AT}
    ),
    ("GET", "/internal/v1/households/{household_id}/export"): Entry(
        frozenset({"svc-registry"}), _OPS, obj="household"
    ),
}

_NOTIFICATIONS: dict[tuple[str, str], Entry] = {
    ("GET", "/v1/messages"): Entry(STAFF, _OPS),
    ("GET", "/v1/messages/{message_id}"): Entry(STAFF, _OPS, obj="message"),
    ("GET", "/v1/messages/{message_id}/rendering"): Entry(STAFF, _OPS, obj="message"),
    # Only the SMS provider may post receipts, by an HMAC over the body: any token is no signature.
    ("POST", "/v1/delivery-receipts"): Entry(NOBODY, ok(200), json={}, denied=401),
    ("GET", "/internal/v1/households/{household_id}/export"): Entry(
        frozenset({"svc-registry"}), _OPS, obj="household", missing=200
    ),
}


def _with_runtime(ops: dict[tuple[str, str], Entry]) -> dict[tuple[str, str], Entry]:
    return {**RUNTIME, **ops}


MATRIX: dict[str, dict[tuple[str, str], Entry]] = {
    "registry": _with_runtime(_REGISTRY),
    "landlords": _with_runtime(_LANDLORDS),
    "matching": _with_runtime(_MATCHING),
    "notifications": _with_runtime(_NOTIFICATIONS),
}


def expected(entry: Entry, *, service: str, principal: str, relation: str) -> frozenset[int]:
    """The statuses a cell may answer: (service, operation) x principal x object relation."""
    if principal in entry.who:
        if relation == "nonexistent":
            return ok(entry.missing)
        if relation == "other" and entry.tenant and principal in LANDLORDS:
            return ok(404)
        return entry.ok
    if principal == "anonymous":
        return ok(401)
    if principal in HOUSEHOLDS:
        return ok(401)  # a link is no bearer credential
    if principal in LANDLORDS and service != "landlords":
        return ok(401)  # only the landlords service knows landlord keys
    return ok(entry.denied or 403)
