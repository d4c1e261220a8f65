"""T16 (fast tier): schemathesis over every operation of each service, in process.

Cases come from the app's own OpenAPI document with a fixed seed and are sent through the test's
own httpx client; schemathesis' checks then judge each response. Not `from_asgi("/openapi.json",
app)` as RELIABILITY T16 writes it: that loads the document through a starlette TestClient used
as a context manager, which runs the app's lifespan a second time on a thread and loop of its own;
on PostgreSQL the two runtimes then share asyncpg connections across loops and the process
crashes. `from_dict(app.openapi())` is the same document without the second lifespan. Each case goes as the principal
the T14 matrix allows for the operation (landlord A for landlord routes, else supervisor, ...), so
the cases reach the handlers rather than stopping at 403.

Examples per operation: 25, split 15 positive and 10 negative (RELIABILITY T16 asks for 25 per
operation; generating negative cases for the largest schemas dominates the runtime on 2 cores).
Checks that send requests of their own (ignored_auth, missing_required_header, unsupported_method)
are run here by hand through the same client, as are NUL bytes and oversized strings. Ownership is
T14's; `use_after_free` and `ensure_resource_availability` are the chaos tier's.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from security_matrix import MATRIX
from security_world import OVERRIDES, landlord_body

from shared.testing.services import DevKeys, RunningService, ServiceStarter

SEED = 20261204
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
PREFERENCE = ("landlord-a", "supervisor", "caseworker", "svc-notifications", "svc-registry")
LIMITS = {"auth_failures_per_min": 100_000, "landlord_writes_per_min": 100_000}
LIMITS_READS = {"landlord_reads_per_min": 100_000}
UNDOCUMENTED = ("PUT", "PATCH", "DELETE", "POST", "GET")


def _cases(operation: Any, mode: GenerationMode) -> list[Any]:
    found: list[Any] = []

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES[mode],
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(mode))
    def collect(case: Any) -> None:
        found.append(case)

    try:
        collect()
    except Exception as exc:  # an operation with nothing to negate (no parameters, no body)
        if "Unsatisfiable" not in type(exc).__name__:
            raise
    return found


def _principal(service: str, method: str, path: str) -> str | None:
    who = MATRIX[service][(method, path)].who
    if service != "landlords":
        who = who - {"landlord-a"}  # only the landlords service knows landlord keys
    return next((p for p in PREFERENCE if p in who), None)


def _request_kwargs(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://test", headers=headers)
    out: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers") or {},
        "params": kwargs.get("params") or None,
    }
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    return out


async def _send(client: httpx.AsyncClient, kwargs: dict[str, Any]) -> httpx.Response:
    return await client.request(**kwargs)


class Principals:
    def __init__(self, svc: RunningService, keys: DevKeys, landlord_key: str | None) -> None:
        self.svc = svc
        self.keys = keys
        self.landlord_key = landlord_key

    def headers(self, principal: str | None) -> dict[str, str]:
        if principal is None:
            return {}
        if principal == "landlord-a":
            assert self.landlord_key is not None
            return {"Authorization": f"Bearer {self.landlord_key}"}
        if principal.startswith("svc-"):
            token = self.keys.signer.mint(sub=principal, audience=self.svc.name, ttl_s=300)
            return {"Authorization": f"Bearer {token}"}
        return self.keys.headers(principal, sub=f"{principal}-1")


@pytest.mark.parametrize("service", ["registry", "landlords", "matching", "notifications"])
async def test_schemathesis_finds_nothing(
    service: str, start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    overrides = {**OVERRIDES.get(service, {})}
    if service == "landlords":
        overrides |= LIMITS | LIMITS_READS
    if service == "notifications":
        overrides["sender_enabled"] = False
    async with start_service(service, broker=False, **overrides) as svc:
        landlord_key = await _landlord_key(svc, dev_keys) if service == "landlords" else None
        principals = Principals(svc, dev_keys, landlord_key)
        schema = schemathesis.openapi.from_dict(svc.app.openapi(), config=_config())
        failures: list[str] = []
        sent = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            method, path = operation.method.upper(), operation.path
            headers = principals.headers(_principal(service, method, path))
            for mode in EXAMPLES:
                for case in _cases(operation, mode):
                    kwargs = _request_kwargs(case, {**headers, "Idempotency-Key": f"k{sent}"})
                    try:
                        response = await _send(svc.client, kwargs)
                    except Exception as exc:  # the in-process transport raises what would be a 500
                        failures.append(
                            f"{method} {path} [{mode.value}] raised {exc!r} {kwargs}"[:600]
                        )
                        continue
                    sent += 1
                    try:
                        case.validate_response(response, checks=CHECKS)
                    except (Exception, BaseExceptionGroup) as failure:
                        failures.append(f"{method} {path} [{mode.value}] {_summary(failure)}")
            failures += await _by_hand(svc, operation, headers)
        distinct = sorted(set(failures))
        assert not distinct, "\n".join(distinct[:40])
        assert sent > 100


def _summary(failure: BaseException) -> str:
    """A failure in one line: the check's code and title, the first lines of its detail."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    return " | ".join(lines[1:5])[:300]


def _config() -> schemathesis.Config:
    config = schemathesis.Config()
    # 413 is a rejection too: the body-size middleware answers it before parsing (RELIABILITY 3.4).
    rejection = config.projects.default.checks.negative_data_rejection
    rejection.expected_statuses = [*(rejection.expected_statuses or []), "413"]
    return config


async def _landlord_key(svc: RunningService, keys: DevKeys) -> str:
    r = await svc.client.post(
        "/v1/landlords",
        json=landlord_body("CasaSchema", serial=1),
        headers={**keys.headers("caseworker"), "Idempotency-Key": "onboard"},
    )
    assert r.status_code == 201, r.text
    key: str = r.json()["api_key"]
    return key


async def _by_hand(svc: RunningService, operation: Any, headers: dict[str, str]) -> list[str]:
    """ignored_auth, missing_required_header, unsupported_method, NUL bytes, oversized strings."""
    method, path = operation.method.upper(), operation.path
    failures: list[str] = []
    example = next(iter(_cases(operation, GenerationMode.POSITIVE)[:1]), None)
    if example is None:
        return failures
    base = _request_kwargs(example, {**headers, "Idempotency-Key": "by-hand"})

    def fail(what: str, response: httpx.Response) -> None:
        failures.append(f"{method} {path}: {what}: {response.status_code} {response.text[:200]}")

    if "Authorization" in headers and path not in ("/health", "/ready"):
        anonymous = {**base, "headers": {"Idempotency-Key": "anon"}}
        r = await _send(svc.client, anonymous)
        if r.status_code != 401:
            fail("ignored_auth", r)
    if method in ("POST", "PUT", "PATCH", "DELETE") and _requires_idempotency_key(operation):
        keyless = {**base, "headers": {k: v for k, v in headers.items()}}
        r = await _send(svc.client, keyless)
        if r.status_code != 400 or "idempotency-key-missing" not in r.text:
            fail("missing_required_header", r)
    documented = {m.upper() for m in operation.schema.raw_schema["paths"][path]}
    other = next(m for m in UNDOCUMENTED if m not in documented)
    r = await _send(svc.client, {**base, "method": other})
    if r.status_code != 405 or not r.headers.get("content-type", "").startswith(
        "application/problem+json"
    ):
        fail(f"unsupported_method {other}", r)
    for name, value in (("NUL", "a\x00b"), ("oversized", "x" * 70_000)):
        for mutated in _with_string(base, value):
            r = await _send(svc.client, mutated)
            if not 400 <= r.status_code < 500:
                fail(f"{name} string", r)
            if "\x00" in r.text or "x" * 1000 in r.text:
                fail(f"{name} echoed", r)
    return failures


def _requires_idempotency_key(operation: Any) -> bool:
    parameters = operation.definition.raw.get("parameters", [])
    return any(
        p.get("in") == "header"
        and p.get("name", "").lower() == "idempotency-key"
        and p.get("required")
        for p in parameters
    )


def _with_string(base: dict[str, Any], value: str) -> list[dict[str, Any]]:
    """The request with `value` in its first JSON string field, and in its first query string."""
    out: list[dict[str, Any]] = []
    body = base.get("json")
    if isinstance(body, dict):
        mutated = copy.deepcopy(body)
        if _set_first_string(mutated, value):
            out.append({**base, "json": mutated})
    params = base.get("params")
    if isinstance(params, dict) and params:
        name = next(iter(params))
        out.append({**base, "params": {**params, name: value}})
    return out


def _set_first_string(node: Any, value: str) -> bool:
    if isinstance(node, dict):
        for key, child in node.items():
            if isinstance(child, str):
                node[key] = value
                return True
            if _set_first_string(child, value):
                return True
    if isinstance(node, list):
        for i, child in enumerate(node):
            if isinstance(child, str):
                node[i] = value
                return True
            if _set_first_string(child, value):
                return True
    return False
