"""The record of a journey and the users who make it: caseworker, supervisor, landlord and
households, each calling the public HTTP APIs with only its own credentials."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from landlords.import_formats import CSV_COLUMNS

# conftest.py puts this folder on sys.path at run time; mypy resolves the module from the root.
if TYPE_CHECKING:
    from tests.e2e.e2e_stack import SmtpRecord, Stack
else:
    from e2e_stack import SmtpRecord, Stack

T = TypeVar("T")


def unit_row(reference: str) -> dict[str, str]:
    """A bilocale in Cremona semicentro for one person (within the under-occupation limit of a
    single adult, its concordato band and a 9,000 EUR ISEE's means), as a landlord's CSV row."""
    return {
        "unit_reference": reference,
        "address": "Via Solferino 12",
        "comune": "Cremona",
        "zone": "semicentro",
        "surface_m2": "40",
        "rooms": "2",
        "bedrooms": "1",
        "energy_class": "C",
        "monthly_rent_eur": "230.00",
        "service_charges_eur": "40.00",
        "contract_type": "concordato",
        "contract_term": "3+2",
        "max_occupants": "2",
        "pets_allowed": "si",
    }


def units_csv(references: list[str]) -> bytes:
    rows = [",".join(unit_row(r).get(c, "") for c in CSV_COLUMNS) for r in references]
    return ("\n".join([",".join(CSV_COLUMNS), *rows]) + "\n").encode()


def wait_for(
    what: str, probe: Callable[[], T], done: Callable[[T], bool] = bool, *, within: float = 20.0
) -> T:
    """Poll `probe` until `done(value)`; fail naming `what` and the last value after `within` s."""
    value = settle(probe, done, within=within)
    if not done(value):
        raise AssertionError(f"not within {within:.0f} s: {what}; last seen: {value!r}")
    return value


@dataclass
class Household:
    id: str
    email: str
    mobile: str
    body: dict[str, Any]


@dataclass
class Journey:
    """What the users did and what they saw; `timings` holds seconds per step."""

    households: list[Household] = field(default_factory=list)
    onboarding: dict[str, Any] = field(default_factory=dict)
    landlord_read_back: dict[str, Any] = field(default_factory=dict)
    landlord_id: str = ""
    landlord_email: str = ""
    api_key: str = ""
    import_result: dict[str, Any] = field(default_factory=dict)
    unit_ids: list[str] = field(default_factory=list)
    verified_units: list[dict[str, Any]] = field(default_factory=list)
    round_started: dict[str, Any] = field(default_factory=dict)  # the 202: the snapshot's sizes
    round_view: dict[str, Any] = field(default_factory=dict)
    approval: dict[str, Any] = field(default_factory=dict)
    offers_made: list[dict[str, Any]] = field(default_factory=list)
    landlord_offers_before: list[dict[str, Any]] = field(default_factory=list)
    accepter: str = ""  # household ids by the part they play
    decliner: str = ""
    waiting: str = ""
    links: dict[str, str] = field(default_factory=dict)  # offer links by household
    link_page: httpx.Response | None = None
    link_answer: httpx.Response | None = None
    decline: dict[str, Any] = field(default_factory=dict)
    classification: dict[str, Any] = field(default_factory=dict)
    landlord_decision: httpx.Response | None = None
    final_offers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # matching's
    registry_status: dict[str, dict[str, Any]] = field(default_factory=dict)  # agency programme
    landlord_offers: list[dict[str, Any]] = field(default_factory=list)
    landlord_units: list[dict[str, Any]] = field(default_factory=list)
    emails: list[SmtpRecord] = field(default_factory=list)
    sms: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # notifications' records
    timings: dict[str, float] = field(default_factory=dict)

    def household(self, household_id: str) -> Household:
        return next(h for h in self.households if h.id == household_id)


class Users:
    """Caseworker, supervisor, landlord and household, each with only its own credentials."""

    def __init__(self, stack: Stack, client: httpx.Client) -> None:
        self.stack = stack
        self.client = client
        self.landlord_key = ""

    def url(self, service: str, path: str) -> str:
        return self.stack.urls[service] + path

    def staff(self, role: str = "caseworker", *, keyed: bool = False) -> dict[str, str]:
        headers = self.stack.staff(role)
        if keyed:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return headers

    def landlord(self, *, keyed: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.landlord_key}"}
        if keyed:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return headers

    def ok(self, response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
        body: dict[str, Any] = response.json()
        return body

    def get(self, service: str, path: str, **kw: Any) -> dict[str, Any]:
        return self.ok(self.client.get(self.url(service, path), **kw), 200)

    def post(self, service: str, path: str, status: int, **kw: Any) -> dict[str, Any]:
        return self.ok(self.client.post(self.url(service, path), **kw), status)


def settle(probe: Callable[[], T], done: Callable[[T], bool], *, within: float) -> T:
    """Poll until `done(value)`, then return the value; after `within` s return the last value
    anyway, for the tests to show how it differs."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)
