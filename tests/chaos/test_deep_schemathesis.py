"""T16 (chaos, deep): schemathesis against each service's real uvicorn on 127.0.0.1.

The four services run as processes (tests/e2e's stack, PostgreSQL, a real broker). Each service's
document is loaded with `schemathesis.openapi.from_url`; every operation is called as the principal
the T14 matrix allows for it (tests/security/security_matrix.py), as the fast T16 does, so cases
reach the handlers rather than stopping at 403.

Phases:
- examples and generation: `EXAMPLES` cases per operation (positive and negative), each checked
  with not_a_server_error, status_code_conformance, content_type_conformance,
  response_headers_conformance, response_schema_conformance and negative_data_rejection;
- stateful: the services' OpenAPI documents declare no links (no `links` in any response), so
  nothing here is stateful "from the document". What runs is schemathesis' own state machine on
  the links its dependency analysis infers from the schemas (e.g. POST /v1/households -> GET
  /v1/households/{household_id}), with use_after_free and ensure_resource_availability added
  to the checks above;
- ignored_auth, missing_required_header and unsupported_method: the documents declare neither a
  security scheme nor the Idempotency-Key header, so schemathesis' own versions of these checks
  have nothing to act on; they run by hand as in the fast tier (tests/security/test_schemathesis.py,
  `_by_hand`), against the real server, together with NUL bytes and oversized strings.

Examples per operation: 200 as RELIABILITY T16 asks, split 120 positive and 80 negative, unless
`CHAOS_T16_EXAMPLES` says fewer (for a quick local run).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Flaky
from schemathesis import GenerationMode
from schemathesis.checks import ensure_resource_availability, use_after_free
from schemathesis.engine.errors import is_inconsistent_replay

from shared.testing.chaos import write_report
from shared.testing.payloads import landlord_onboarding

_HERE = Path(__file__).resolve().parent
for folder in (_HERE, _HERE.parent / "security"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

if TYPE_CHECKING:
    from tests.chaos.process_stack import ChaosStack, running_stack
    from tests.security.security_matrix import MATRIX
    from tests.security.test_schemathesis import (
        CHECKS,
        PREFERENCE,
        _by_hand,
        _config,
        _request_kwargs,
        _summary,
    )
else:
    from process_stack import ChaosStack, running_stack
    from security_matrix import MATRIX
    from test_schemathesis import (
        CHECKS,
        PREFERENCE,
        _by_hand,
        _config,
        _request_kwargs,
        _summary,
    )

SERVICES = ("registry", "landlords", "matching", "notifications")
TOTAL = int(os.environ.get("CHAOS_T16_EXAMPLES", "200"))
EXAMPLES = {GenerationMode.POSITIVE: TOTAL * 3 // 5, GenerationMode.NEGATIVE: TOTAL * 2 // 5}
STATEFUL_SCENARIOS = 100  # state machine runs per service, each up to `STATEFUL_STEPS` calls
STATEFUL_STEPS = 10
STATEFUL_RESTARTS = 5  # restarts after a Flaky from the live server's moving state, see _stateful
# The matrix's callers make thousands of calls a minute from one address and key; the limits
# have their own tests (tests/security/test_rate_limits.py).
UNLIMITED = {
    "AUTH_FAILURES_PER_MIN": "100000",
    "LANDLORD_WRITES_PER_MIN": "100000",
    "LANDLORD_READS_PER_MIN": "100000",
    "LINK_PAGES_PER_MIN": "100000",
}
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]


class _Rebased(httpx.HTTPTransport):
    """Requests built for the fast tier's `http://test` base go to the real server at `url`."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.target = httpx.URL(url)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host=self.target.host, port=self.target.port)
        return super().handle_request(request)


class _AsyncRebased(httpx.AsyncHTTPTransport):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.target = httpx.URL(url)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host=self.target.host, port=self.target.port)
        return await super().handle_async_request(request)


@dataclass
class World:
    stack: ChaosStack
    landlord_key: str

    def headers(self, service: str, method: str, path: str) -> dict[str, str]:
        who = MATRIX[service][(method, path)].who
        if service != "landlords":
            who = who - {"landlord-a"}  # only the landlords service knows landlord keys
        principal = next((p for p in PREFERENCE if p in who), None)
        if principal is None:
            return {}
        if principal == "landlord-a":
            return {"Authorization": f"Bearer {self.landlord_key}"}
        if principal.startswith("svc-"):
            signer = self.stack._signer
            assert signer is not None
            token = signer.mint(sub=principal, audience=service, ttl_s=3600)
            return {"Authorization": f"Bearer {token}"}
        return self.stack.staff(principal, sub=f"{principal}-1")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_stack(tmp_path_factory.mktemp("deep-t16"), **UNLIMITED) as stack:
        onboarded = httpx.post(
            f"{stack.urls['landlords']}/v1/landlords",
            json=landlord_onboarding(9400),
            headers={**stack.staff("caseworker"), "Idempotency-Key": "deep-t16"},
            timeout=15,
        )
        assert onboarded.status_code == 201, onboarded.text
        yield World(stack, onboarded.json()["api_key"])


def _cases(operation: Any, mode: GenerationMode, count: int, run_seed: int) -> list[Any]:
    found: list[Any] = []

    @seed(run_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
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


def _generated(world: World, service: str, schema: Any, run_seed: int) -> tuple[list[str], int]:
    """Every operation's positive and negative cases, sent one by one and checked."""
    url = world.stack.urls[service]
    failures: list[str] = []
    sent = 0
    with httpx.Client(transport=_Rebased(url), timeout=30) as client:
        for result in schema.get_all_operations():
            operation = result.ok()
            method, path = operation.method.upper(), operation.path
            for mode, count in EXAMPLES.items():
                for case in _cases(operation, mode, count, run_seed):
                    headers = {
                        **world.headers(service, method, path),
                        "Idempotency-Key": uuid.uuid4().hex,
                    }
                    kwargs = _request_kwargs(case, headers)
                    response = client.request(**kwargs)
                    sent += 1
                    try:
                        case.validate_response(response, checks=CHECKS)
                    except (Exception, BaseExceptionGroup) as failure:
                        failures.append(f"{method} {path} [{mode.value}] {_summary(failure)}")
            failures += asyncio.run(_checked_by_hand(world, service, operation))
    return failures, sent


async def _checked_by_hand(world: World, service: str, operation: Any) -> list[str]:
    method, path = operation.method.upper(), operation.path
    async with httpx.AsyncClient(
        transport=_AsyncRebased(world.stack.urls[service]), timeout=30
    ) as client:
        server: Any = SimpleNamespace(client=client)  # what _by_hand uses of a RunningService
        found: list[str] = await _by_hand(server, operation, world.headers(service, method, path))
        return found


@dataclass
class StatefulRun:
    failures: list[str]
    calls: int
    scenarios: int
    restarts: int


def _stateful(world: World, service: str, schema: Any) -> StatefulRun:
    """schemathesis' state machine over the inferred links, each call as its operation's principal.

    Which rules the machine can pick depends on what the live server answered before (a bundle
    fills only after a 2xx, a round's offers appear once it has solved), so Hypothesis may find
    that a choice it replays now draws differently and stop with `Flaky`. That is a property of
    testing a moving server, not a finding: schemathesis' own runner treats it the same way
    (engine/run/stateful/_executor.py, `_classify_flaky`). The machine restarts with the scenarios
    still owed, randomised rather than replaying the same choices, at most `STATEFUL_RESTARTS`
    times; check failures are collected as they happen and survive a restart.
    """
    base = schema.as_state_machine()
    run = StatefulRun(failures=[], calls=0, scenarios=0, restarts=0)

    class Machine(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            headers = world.headers(service, case.operation.method.upper(), case.operation.path)
            return {
                "base_url": world.stack.urls[service],
                "headers": {**headers, "Idempotency-Key": uuid.uuid4().hex},
            }

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            run.calls += 1
            try:
                case.validate_response(response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs)
            except (Exception, BaseExceptionGroup) as failure:
                run.failures.append(f"stateful {case.method} {case.path} {_summary(failure)}")

        def teardown(self) -> None:
            run.scenarios += 1
            super().teardown()

    if not schema.statistic.transitions.total:
        return run
    while run.scenarios < STATEFUL_SCENARIOS:
        try:
            Machine.run(
                settings=settings(
                    max_examples=STATEFUL_SCENARIOS - run.scenarios,
                    stateful_step_count=STATEFUL_STEPS,
                    database=None,
                    deadline=None,
                    derandomize=run.restarts == 0,
                    suppress_health_check=list(HealthCheck),
                    phases=[Phase.generate],
                )
            )
            break
        except (Flaky, AssertionError) as exc:
            if not (isinstance(exc, Flaky) or is_inconsistent_replay(exc)):
                raise
            run.restarts += 1
            if run.restarts > STATEFUL_RESTARTS:
                raise
    return run


@pytest.mark.timeout(480)
@pytest.mark.parametrize("service", SERVICES)
def test_deep_schemathesis_finds_nothing(world: World, service: str, chaos_seed: int) -> None:
    started = time.monotonic()
    figures: dict[str, Any] = {"service": service, "examples_per_op": TOTAL}
    passed = False
    try:
        schema = schemathesis.openapi.from_url(
            f"{world.stack.urls[service]}/openapi.json", config=_config()
        )
        figures["operations"] = len(list(schema.get_all_operations()))
        failures, sent = _generated(world, service, schema, chaos_seed)
        figures["sent"] = sent
        figures["generated_s"] = round(time.monotonic() - started, 1)
        stateful = _stateful(world, service, schema)
        figures["stateful_s"] = round(time.monotonic() - started - figures["generated_s"], 1)
        figures["links_inferred"] = schema.statistic.transitions.total
        figures["stateful_calls"] = stateful.calls
        figures["stateful_scenarios"] = stateful.scenarios
        figures["stateful_restarts"] = stateful.restarts
        distinct = sorted(set(failures + stateful.failures))
        figures["failures"] = len(distinct)
        assert not distinct, "\n".join(distinct[:40])
        assert sent >= figures["operations"] * 2  # operations without parameters yield one case
        passed = True
    finally:
        figures["duration_s"] = round(time.monotonic() - started, 1)
        write_report(
            f"T16 deep schemathesis {service}",
            seed=chaos_seed,
            figures=figures,
            passed=passed,
            headline=[
                "operations",
                "sent",
                "stateful_calls",
                "stateful_restarts",
                "failures",
                "duration_s",
            ],
        )
