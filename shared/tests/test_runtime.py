"""The runtime every service shares: problems for every error, limits, health, ready, metrics, logs."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from shared.logs import JsonFormatter
from shared.testing.services import DevKeys, ServiceStarter


async def test_framework_errors_are_problems_and_never_echo_input(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("matching") as svc:
        missing = await svc.client.get("/no/such/path?email=someone@example.org")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["type"] == "urn:problem:housing:not-found"
        assert "someone@example.org" not in missing.text
        wrong_method = await svc.client.put("/health")
        assert wrong_method.status_code == 405
        assert wrong_method.json()["type"] == "urn:problem:housing:method-not-allowed"
        assert wrong_method.headers["x-request-id"]
        too_big = await svc.client.post(
            "/v1/rounds",
            content=b"x" * (65 * 1024),
            headers={"content-type": "application/json", **dev_keys.headers("supervisor")},
        )
        assert too_big.status_code == 413
        assert too_big.json()["status"] == 413
        xml = await svc.client.post(
            "/v1/rounds", content=b"<a/>", headers={"content-type": "application/xml"}
        )
        assert xml.status_code == 415
        assert xml.headers["content-type"] == "application/problem+json"


async def test_health_ready_and_metrics(start_service: ServiceStarter, dev_keys: DevKeys) -> None:
    async with start_service("matching") as svc:
        assert (await svc.client.get("/health")).json() == {"status": "alive"}
        ready = (await svc.client.get("/ready")).json()
        assert ready["database"] == "ok"
        assert set(ready) >= {
            "status",
            "broker",
            "outbox_backlog",
            "outbox_oldest_age_s",
            "consumers",
        }
        assert (await svc.client.get("/metrics")).status_code == 401
        assert (
            await svc.client.get("/metrics", headers=dev_keys.headers("caseworker"))
        ).status_code == 403
        metrics = await svc.client.get("/metrics", headers=dev_keys.headers("supervisor"))
        assert metrics.status_code == 200
        assert "outbox_backlog" in metrics.text
        assert "consumer_lag" in metrics.text
        service = dev_keys.signer.mint(sub="svc-registry", audience="matching")
        assert (
            await svc.client.get("/metrics", headers={"Authorization": f"Bearer {service}"})
        ).status_code == 200


async def test_the_openapi_document_declares_problem_answers(start_service: ServiceStarter) -> None:
    async with start_service("matching") as svc:
        spec = (await svc.client.get("/openapi.json")).json()
        ready = spec["paths"]["/ready"]["get"]["responses"]
        assert "application/problem+json" in ready["503"]["content"]
        assert (await svc.client.get("/docs")).status_code == 200


def test_log_lines_keep_only_allowed_keys_and_never_interpolate() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "household %s registered", ("Mario Rossi",), None
    )
    record.route = "/v1/households/{household_id}"
    record.email = "mario@example.org"
    line = json.loads(JsonFormatter("registry").format(record))
    assert line["msg"] == "household %s registered"
    assert line["route"] == "/v1/households/{household_id}"
    assert "email" not in line
    assert "Mario" not in json.dumps(line)


def test_a_traceback_logged_as_a_message_keeps_only_its_first_line() -> None:
    text = 'Traceback (most recent call last):\n  File "x", line 1\nValueError: codice RSSMRA85T10A562S'
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, text, (), None)
    line = json.loads(JsonFormatter("registry").format(record))
    assert line["msg"] == "Traceback (most recent call last):"


def _fail_deep(cf: str) -> None:
    raise ValueError(f"bad codice {cf}")


def test_an_exception_logs_where_it_came_from_but_never_its_message() -> None:
    try:
        _fail_deep("RSSMRA85T10A562S")
    except ValueError:
        record = logging.LogRecord(
            "registry", logging.ERROR, __file__, 1, "handler failed", (), sys.exc_info()
        )
    line = json.loads(JsonFormatter("registry").format(record))
    assert line["error_type"] == "ValueError"
    assert line["trace"][-1].startswith("test_runtime.py:")
    assert line["trace"][-1].endswith(" in _fail_deep")
    assert "RSSMRA" not in json.dumps(line)


def test_a_route_without_an_authorization_dependency_stops_the_app() -> None:
    from fastapi import APIRouter
    from sqlalchemy import MetaData

    from matching.settings import Settings
    from shared.db import infra_tables
    from shared.runtime import build_app

    router = APIRouter()

    @router.get("/v1/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    metadata = MetaData()
    with pytest.raises(RuntimeError, match="/v1/forgotten"):
        build_app(
            Settings(),
            package="matching",
            title="t",
            description="t",
            metadata=metadata,
            infra=infra_tables(metadata),
            routers=[router],
        )


def test_a_pull_heartbeat_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    # With nats-py 2.16 a heartbeat turned valid messages into dead letters (chaos T6).
    from pydantic import ValidationError

    from matching.settings import Settings

    monkeypatch.setenv("FETCH_HEARTBEAT_S", "0.25")
    with pytest.raises(ValidationError, match=r"fetch_heartbeat_s[\s\S]*nats.py#794"):
        Settings()
    monkeypatch.setenv("FETCH_HEARTBEAT_S", "0")
    assert Settings().fetch_heartbeat_s == 0
