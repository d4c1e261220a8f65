"""T17: mass assignment and excessive exposure across the registry and the landlords service.

Hypothesis draws writes of units, households and landlords carrying extra or privileged fields
(top level or nested), and malformed requests (wrong content type, oversized body, NUL bytes).
Every one must be refused with 422, 413 or 415 and leave every table as it was. Then, in the
seeded world, every landlord- and household-facing response holds only the fields of its OpenAPI
schema and none of the households' ISEE, income or disability canaries.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from security_world import landlord_body, seeded_world, unit_body

from shared.testing.inspect import rows
from shared.testing.payloads import household_registration
from shared.testing.services import DevKeys, RunningService, ServiceStarter

PRIVILEGED = (
    "landlord_id",
    "household_id",
    "status",
    "state",
    "verified",
    "priority_score",
    "priority",
    "id",
    "created_at",
    "updated_at",
    "entity_version",
    "band_ok",
    "legal_hold",
    "api_key_id",
)
VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from(["eligible", "published", "verified", "2020-01-01T00:00:00Z"]),
    st.uuids().map(str),
    st.text(max_size=20),
)
TARGETS = ("POST unit", "PATCH unit", "POST landlord", "POST household", "PATCH household")
# Tables whose rows no refused request may touch (the database diff).
WATCHED = {
    "registry": ("household", "outbox_event", "idempotency_record"),
    "landlords": ("unit", "landlord", "api_key", "outbox_event", "idempotency_record"),
}
# A key records its own use (RELIABILITY 3.1): the only columns a refused request may move.
KEY_USE = {"last_used_at", "use_count"}
MALFORMED = ("wrong content type", "oversized", "NUL byte")


@st.composite
def _attack(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "target": draw(st.sampled_from(TARGETS)),
        "field": draw(st.sampled_from(PRIVILEGED)),
        "value": draw(VALUES),
        "nested": draw(st.booleans()),
        "malformed": draw(st.sampled_from((None, *MALFORMED))),
    }


def _attacks(n: int) -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = []

    @seed(17)
    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(attack=_attack())
    def collect(attack: dict[str, Any]) -> None:
        drawn.append(attack)

    collect()
    return drawn


async def _snapshot(services: dict[str, RunningService]) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for service, tables in WATCHED.items():
        for table in tables:
            found = [
                {k: v for k, v in row.items() if k not in KEY_USE}
                for row in await rows(services[service], table)
            ]
            out[f"{service}.{table}"] = sorted(found, key=repr)
    return out


async def test_privileged_fields_and_malformed_writes_are_refused_and_change_nothing(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with (
        start_service("registry", broker=False) as registry,
        start_service("landlords", broker=False, auth_failures_per_min=10_000) as landlords,
    ):
        staff = dev_keys.headers("caseworker")
        onboarded = await landlords.client.post(
            "/v1/landlords",
            json=landlord_body("CasaMassa", serial=77),
            headers={**staff, "Idempotency-Key": "onboard"},
        )
        assert onboarded.status_code == 201, onboarded.text
        landlord = {"Authorization": f"Bearer {onboarded.json()['api_key']}"}
        unit = await landlords.client.post(
            "/v1/units", json=unit_body(), headers={**landlord, "Idempotency-Key": "unit"}
        )
        assert unit.status_code == 201, unit.text
        household = await registry.client.post(
            "/v1/households",
            json=household_registration(77),
            headers={**staff, "Idempotency-Key": "household"},
        )
        assert household.status_code == 201, household.text
        services = {"registry": registry, "landlords": landlords}
        before = await _snapshot(services)
        calls = {
            "POST unit": (landlords, "POST", "/v1/units", landlord, unit_body()),
            "PATCH unit": (landlords, "PATCH", f"/v1/units/{unit.json()['id']}", landlord, {}),
            "POST landlord": (
                landlords,
                "POST",
                "/v1/landlords",
                staff,
                landlord_body("CasaAltra", serial=78),
            ),
            "POST household": (
                registry,
                "POST",
                "/v1/households",
                staff,
                household_registration(78),
            ),
            "PATCH household": (
                registry,
                "PATCH",
                f"/v1/households/{household.json()['id']}",
                staff,
                {"needs": {"step_free": True}},
            ),
        }
        refused: list[int] = []
        for n, attack in enumerate(_attacks(60)):
            svc, method, path, headers, valid = calls[attack["target"]]
            kwargs = _attack_request(attack, valid)
            kwargs["headers"] = {**headers, "Idempotency-Key": f"attack-{n}", **kwargs["headers"]}
            response = await svc.client.request(method, path, **kwargs)
            expected = {
                None: {422},
                "wrong content type": {415},
                "oversized": {413},
                "NUL byte": {422},
            }[attack["malformed"]]
            assert response.status_code in expected, (attack, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "\x00" not in response.text
            refused.append(response.status_code)
        assert await _snapshot(services) == before
        assert {413, 415, 422} <= set(refused)


def _attack_request(attack: dict[str, Any], valid: dict[str, Any]) -> dict[str, Any]:
    body = {k: (dict(v) if isinstance(v, dict) else v) for k, v in valid.items()}
    nest = next((k for k, v in body.items() if isinstance(v, dict)), None)
    if attack["nested"] and nest is not None:
        body[nest][attack["field"]] = attack["value"]
    else:
        body[attack["field"]] = attack["value"]
    malformed = attack["malformed"]
    if malformed == "wrong content type":
        return {"content": str(body), "headers": {"Content-Type": "text/plain"}}
    if malformed == "oversized":
        return {"json": {**body, "notes": "x" * 70_000}, "headers": {}}
    if malformed == "NUL byte":
        # A valid body but for one string: the privileged field stays out, so only NUL is wrong.
        clean = {k: (dict(v) if isinstance(v, dict) else v) for k, v in valid.items()}
        key = next((k for k, v in clean.items() if isinstance(v, str)), None)
        if key is None:
            clean["reference"] = "A\x00B"
        else:
            clean[key] = f"{clean[key]}\x00"
        return {"json": clean, "headers": {}}
    return {"json": body, "headers": {}}


# --- excessive exposure --------------------------------------------------------------------------

LANDLORD_READS = (
    "/v1/landlords/{landlord}",
    "/v1/landlords/{landlord}/api-keys",
    "/v1/units",
    "/v1/units/{unit}",
    "/v1/units/{unit}/incentives",
    "/v1/offers",
    "/v1/offers/{offer}",
)


async def test_landlord_and_household_views_hold_their_schema_and_no_special_data(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with seeded_world(start_service, dev_keys) as world:
        special = world.special_canaries()
        assert len(special) == 6
        # The registry holds them (the canaries are real), nobody else serves them.
        registry = world.client("registry")
        h1 = world.tenants["household-h1"].ids["household"]
        full = await registry.get(
            f"/v1/households/{h1}", headers=world.headers("supervisor", "registry")
        )
        assert world.tenants["household-h1"].special <= _found(full.text, special)
        spec = world.services["landlords"].app.openapi()
        checked = 0
        for name in ("landlord-a", "landlord-b"):
            tenant = world.tenants[name]
            for template in LANDLORD_READS:
                path = template.format(
                    landlord=tenant.ids["landlord"],
                    unit=tenant.ids["unit"],
                    offer=tenant.ids["offer"],
                )
                response = await world.client("landlords").get(
                    path, headers=world.headers(name, "landlords")
                )
                assert response.status_code == 200, (name, path, response.text)
                assert not _found(response.text, special), (name, path)
                schema = _response_schema(spec, _template_of(spec, path))
                assert _extra_fields(spec, schema, response.json()) == [], (name, path)
                checked += 1
        for name in ("household-h1", "household-h2"):
            page = await world.client("matching").get(f"/h/{world.tenants[name].link}")
            assert page.status_code == 200
            assert not _found(page.text, special | world.foreign_canaries(name)), name
            checked += 1
        assert checked == 2 * len(LANDLORD_READS) + 2


def _found(text: str, canaries: set[str]) -> set[str]:
    return {c for c in canaries if c in text}


def _template_of(spec: dict[str, Any], path: str) -> str:
    parts = path.split("/")
    for template in spec["paths"]:
        t = template.split("/")
        if len(t) == len(parts) and all(
            a == b or a.startswith("{") for a, b in zip(t, parts, strict=True)
        ):
            return str(template)
    raise AssertionError(path)


def _response_schema(spec: dict[str, Any], template: str) -> dict[str, Any]:
    content = spec["paths"][template]["get"]["responses"]["200"]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def _extra_fields(
    spec: dict[str, Any], schema: dict[str, Any], value: Any, at: str = ""
) -> list[str]:
    """Fields in `value` that its schema does not declare (excessive exposure, OWASP API3)."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [_resolve(spec, s) for s in schema[key]]
            candidates = [
                _extra_fields(spec, s, value, at)
                for s in options
                if s.get("type") != "null" or value is None
            ]
            return min(candidates, key=len) if candidates else []
    extra: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        for field, child in value.items():
            if field not in schema["properties"]:
                extra.append(f"{at}/{field}")
            else:
                extra += _extra_fields(spec, schema["properties"][field], child, f"{at}/{field}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            extra += _extra_fields(spec, schema["items"], item, f"{at}/{i}")
    return extra
