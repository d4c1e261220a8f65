"""The whole agency in process for the security suite: four apps on one broker, seeded through the
public APIs with two landlords, two households, one approved round and its two offers, and canaries.

After seeding: landlord A owns unit UA, on which household H1 holds offer O1; landlord B owns unit
UB, on which H2 holds O2. Every seeded object carries a canary string that must never reach anyone
outside its tenant (RELIABILITY T14, T17).
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.testing.inspect import count_rows, rows
from shared.testing.payloads import codice_fiscale, household_registration
from shared.testing.services import DevKeys, RunningService, ServiceStarter
from shared.testing.waiting import wait_until

SERVICES = ("registry", "landlords", "matching", "notifications")
OVERRIDES: dict[str, dict[str, Any]] = {
    # The matrix makes hundreds of denied calls and writes from one address and key within a
    # minute; the limits have their own tests (landlords' test_security_api, test_limits here).
    "landlords": {"auth_failures_per_min": 100_000, "landlord_writes_per_min": 100_000},
    "matching": {
        "link_keys": json.dumps({"1": base64.b64encode(secrets.token_bytes(32)).decode()}),
        "round_lease_s": 0.6,
        "round_poll_s": 0.1,
        "public_base_url": "http://matching.test",
        "link_pages_per_min": 100_000,
    },
    # Messages are planned from events; delivery (contacts over HTTP) is the notifications tests'.
    "notifications": {"sender_enabled": False},
}
PRINCIPALS = (
    "caseworker",
    "supervisor",
    "landlord-a",
    "landlord-b",
    "household-h1",
    "household-h2",
    "anonymous",
    "svc-notifications",
    "svc-registry",
)


def _canary(tag: str) -> str:
    # Letters only, so that name validators accept it; unique per run.
    return f"Zq{tag}" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))


@dataclass
class Tenant:
    """One landlord or household with its objects and the canaries those objects hold."""

    name: str
    canaries: set[str] = field(default_factory=set)
    special: set[str] = field(default_factory=set)  # ISEE, income, disability certificate
    ids: dict[str, str] = field(default_factory=dict)
    api_key: str = ""
    link: str = ""  # household: its offer.view link token
    answer_link: str = ""  # household: its offer.respond link token


@dataclass
class World:
    services: dict[str, RunningService]
    keys: DevKeys
    tenants: dict[str, Tenant]
    round_id: str = ""
    message_id: str = ""
    _serial: int = 0

    def client(self, service: str) -> httpx.AsyncClient:
        return self.services[service].client

    def headers(self, principal: str, service: str) -> dict[str, str]:
        """The credential a principal presents at a service (households present their link)."""
        if principal == "anonymous":
            return {}
        if principal in ("caseworker", "supervisor"):
            return self.keys.headers(principal, sub=f"{principal}-1")
        if principal.startswith("svc-"):
            token = self.keys.signer.mint(sub=principal, audience=service, ttl_s=300)
            return {"Authorization": f"Bearer {token}"}
        tenant = self.tenants[principal]
        return {"Authorization": f"Bearer {tenant.api_key or tenant.link}"}

    def foreign_canaries(self, principal: str) -> set[str]:
        """Canaries this principal must never see: every tenant's but its own (staff see all)."""
        if principal in ("caseworker", "supervisor") or principal.startswith("svc-"):
            return set()
        own = self.tenants[principal].canaries if principal in self.tenants else set()
        return set().union(*(t.canaries for t in self.tenants.values())) - own

    def special_canaries(self) -> set[str]:
        return set().union(*(t.special for t in self.tenants.values()))

    def all_canaries(self) -> set[str]:
        return set().union(*(t.canaries for t in self.tenants.values()))

    def next_key(self) -> str:
        self._serial += 1
        return f"sec-{self._serial}-{uuid.uuid4().hex[:8]}"

    # --- builders through the public APIs ---------------------------------------------------

    async def household(self, n: int, *, canaries: Tenant | None = None) -> str:
        body = household_registration(n)
        if canaries is not None:
            given, family = _canary("g"), _canary("f")
            body["applicant"]["given_name"] = given
            body["applicant"]["family_name"] = family
            body["contacts"]["email"] = f"{given.lower()}@example.org"
            canaries.canaries |= {given, family, codice_fiscale(n), body["contacts"]["email"]}
            # Special-category canaries (P2): they may leave the registry only as derived flags.
            isee, income = 870_000 + n, 110_000 + n
            certificate = _canary("d")
            body["isee"]["value_cents"] = isee
            body["net_monthly_income_cents"] = income
            body["applicant"]["disability"] = {
                "disability_pct": 40,
                "certificate_reference": certificate,
            }
            canaries.canaries |= {certificate}
            canaries.special |= {str(isee), str(income), certificate}
        r = await self.client("registry").post(
            "/v1/households",
            json=body,
            headers={**self.headers("caseworker", "registry"), "Idempotency-Key": self.next_key()},
        )
        assert r.status_code == 201, r.text
        hid: str = r.json()["id"]
        v = await self.client("registry").post(
            f"/v1/households/{hid}/verify", headers=self.headers("caseworker", "registry")
        )
        assert v.status_code == 200, v.text
        return hid

    async def onboard(self, tenant: Tenant) -> None:
        name = _canary("l")
        tenant.canaries.add(name)
        r = await self.client("landlords").post(
            "/v1/landlords",
            json=landlord_body(name, serial=len(self.tenants) * 1000 + self._serial),
            headers={
                **self.headers("caseworker", "landlords"),
                "Idempotency-Key": self.next_key(),
            },
        )
        assert r.status_code == 201, r.text
        data = r.json()
        tenant.ids["landlord"] = data["landlord"]["id"]
        tenant.ids["key"] = data["api_key_id"]
        tenant.api_key = data["api_key"]

    async def unit(self, tenant: Tenant, *, verify: bool = True, **overrides: Any) -> str:
        notes = _canary("n")
        tenant.canaries.add(notes)
        body = unit_body(notes=notes, reference=self.next_key()[:20], **overrides)
        r = await self.client("landlords").post(
            "/v1/units",
            json=body,
            headers={**self.headers(tenant.name, "landlords"), "Idempotency-Key": self.next_key()},
        )
        assert r.status_code == 201, r.text
        unit_id: str = r.json()["id"]
        if verify:
            v = await self.client("landlords").post(
                f"/v1/units/{unit_id}/verification",
                json={"outcome": "approve"},
                headers=self.headers("caseworker", "landlords"),
            )
            assert v.status_code == 200, v.text
        return unit_id

    async def api_key(self, tenant: Tenant) -> str:
        """A second key for the landlord (≤ 2 active); returns its key id."""
        r = await self.client("landlords").post(
            f"/v1/landlords/{tenant.ids['landlord']}/api-keys",
            headers={**self.headers(tenant.name, "landlords"), "Idempotency-Key": self.next_key()},
        )
        assert r.status_code == 201, r.text
        key_id: str = r.json()["key"]["key_id"]
        return key_id

    async def link(self, offer_id: str) -> str:
        r = await self.client("matching").get(
            f"/internal/v1/offers/{offer_id}/link",
            headers=self.headers("svc-notifications", "matching"),
        )
        assert r.status_code == 200, r.text
        url: str = r.json()["url"]
        return url.rsplit("/h/", 1)[1]

    async def answer_link(self, view_token: str) -> str:
        page = await self.client("matching").get(f"/h/{view_token}")
        assert page.status_code == 200, page.text
        action = page.text.split('action="', 1)[1].split('"', 1)[0]
        return action.split("/h/", 1)[1].split("/", 1)[0]


_UNIT: dict[str, Any] = {
    "address": "Via Solferino 12",
    "comune": "Cremona",
    "zone": "semicentro",
    # A monolocale: the seeded households are single adults (a bilocale is TOO_LARGE for them).
    "surface_m2": "32",
    "rooms": 1,
    "bedrooms": 0,
    "energy_class": "C",
    "monthly_rent_eur": "220.00",
    "service_charges_eur": "40.00",
    "contract_type": "concordato",
    "contract_term": "3+2",
    "filters": {"max_occupants": 1, "pets_allowed": True},
}


def unit_body(*, notes: str = "", reference: str = "U1", **overrides: Any) -> dict[str, Any]:
    return {**_UNIT, "unit_reference": reference, "notes": notes, **overrides}


def landlord_body(name: str, *, serial: int) -> dict[str, Any]:
    return {
        "legal_form": "organisation",
        "kind": "sas_operator",
        "display_name": name,
        "partita_iva": _partita_iva(serial),
        "email": f"{name.lower()}@example.org",
        "phone": "+390372000000",
        "language": "it",
    }


def _partita_iva(n: int) -> str:
    from shared.fiscal_codes import partita_iva_check_digit

    first10 = f"0{(n * 7919 + uuid.uuid4().int) % 10**9:09d}"
    return first10 + partita_iva_check_digit(first10)


async def _rows_reach(svc: RunningService, table: str, count: int) -> None:
    async def reached() -> bool:
        return await count_rows(svc, table) >= count

    await wait_until(reached, within=30)


@asynccontextmanager
async def seeded_world(start_service: ServiceStarter, keys: DevKeys) -> AsyncIterator[World]:
    async with AsyncExitStack() as stack:
        services = {
            name: await stack.enter_async_context(start_service(name, **OVERRIDES.get(name, {})))
            for name in SERVICES
        }
        tenants = {
            p: Tenant(p) for p in ("landlord-a", "landlord-b", "household-h1", "household-h2")
        }
        world = World(services=services, keys=keys, tenants=tenants)
        a, b = tenants["landlord-a"], tenants["landlord-b"]
        await world.onboard(a)
        await world.onboard(b)
        unit_a = await world.unit(a)
        unit_b = await world.unit(b)
        first = await world.household(901, canaries=tenants["household-h1"])
        second = await world.household(902, canaries=tenants["household-h2"])
        await wait_until(_matchable(services["matching"], 2), within=30)
        await _rows_reach(services["matching"], "unit_listing", 2)
        staff = world.headers("caseworker", "matching")
        r = await world.client("matching").post(
            "/v1/rounds", json={}, headers={**staff, "Idempotency-Key": world.next_key()}
        )
        assert r.status_code == 202, r.text
        world.round_id = r.json()["id"]

        async def completed() -> bool:
            got = await world.client("matching").get(f"/v1/rounds/{world.round_id}", headers=staff)
            return bool(got.json()["status"] == "completed")

        await wait_until(completed, within=30)
        approved = await world.client("matching").post(
            f"/v1/rounds/{world.round_id}/approve",
            headers={
                **world.headers("supervisor", "matching"),
                "Idempotency-Key": world.next_key(),
            },
        )
        assert approved.status_code == 200, approved.text
        listed = await world.client("matching").get(
            "/v1/offers", params={"round_id": world.round_id}, headers=staff
        )
        offers = {o["unit_id"]: o for o in listed.json()["items"]}
        assert set(offers) == {unit_a, unit_b}, listed.text
        # H1 is whoever holds the offer on A's unit: the solver, not the test, decides the pairs.
        pairs = {"household-h1": offers[unit_a], "household-h2": offers[unit_b]}
        households = {first, second}
        assert {o["household_id"] for o in pairs.values()} == households
        h_canaries = {
            first: tenants["household-h1"].canaries,
            second: tenants["household-h2"].canaries,
        }
        h_special = {
            first: tenants["household-h1"].special,
            second: tenants["household-h2"].special,
        }
        for name, offer in pairs.items():
            tenant = tenants[name]
            tenant.canaries = set(h_canaries[offer["household_id"]])
            tenant.special = set(h_special[offer["household_id"]])
            tenant.ids.update(household=offer["household_id"], offer=offer["id"])
            tenant.link = await world.link(offer["id"])
            tenant.answer_link = await world.answer_link(tenant.link)
        a.ids.update(unit=unit_a, offer=pairs["household-h1"]["id"])
        b.ids.update(unit=unit_b, offer=pairs["household-h2"]["id"])
        await _rows_reach(services["landlords"], "offer", 2)
        await _rows_reach(services["notifications"], "message", 1)
        messages = await world.client("notifications").get(
            "/v1/messages", headers=world.headers("caseworker", "notifications")
        )
        world.message_id = messages.json()["items"][0]["id"]
        yield world
        for svc in services.values():
            await wait_until(_relay_idle(svc), within=30)


def _matchable(svc: RunningService, count: int) -> Any:
    async def reached() -> bool:
        profiles = await rows(svc, "household_profile")
        eligible = [p for p in profiles if '"agency": ["eligible"' in (p["statuses"] or "")]
        return len(eligible) >= count

    return reached


def _relay_idle(svc: RunningService) -> Any:
    async def idle() -> bool:
        return (await svc.runtime.relay.backlog()).count == 0

    return idle
