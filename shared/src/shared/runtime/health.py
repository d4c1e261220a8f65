"""GET /health, /ready and /metrics with the semantics of RELIABILITY.md R5."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shared.auth import Authorize
from shared.errors import Unavailable
from shared.messaging.streams import SERVICES
from shared.runtime.problems import problem_responses
from shared.runtime.service import ServiceRuntime

router = APIRouter(tags=["operations"])

metrics_reader = Authorize(
    roles={"supervisor"}, services={f"svc-{s}" for s in SERVICES} | {"svc-ops"}
)


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


@router.get("/health", summary="The process is alive")
async def health() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/ready",
    summary="The database is reachable; broker state, outbox backlog and consumer lag in the body",
    responses=problem_responses(503),
)
async def ready(request: Request) -> JSONResponse:
    runtime = _runtime(request)
    if not await runtime.database_ok():
        raise Unavailable("database unreachable")
    return JSONResponse(await runtime.readiness())


class Metrics:
    """Prometheus gauges refreshed at each scrape; labels carry names of durables only, never PII."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.backlog = Gauge("outbox_backlog", "Unpublished outbox rows", registry=self.registry)
        self.oldest = Gauge(
            "outbox_oldest_age_seconds", "Age of the oldest unpublished row", registry=self.registry
        )
        self.published = Gauge(
            "outbox_published", "Rows published since start", registry=self.registry
        )
        self.relay_retries = Gauge(
            "relay_retries", "Relay retries since start", registry=self.registry
        )
        self.broker_up = Gauge(
            "broker_connected", "1 when connected to NATS", registry=self.registry
        )
        self.lag = Gauge(
            "consumer_lag", "Messages pending for a durable", ["durable"], registry=self.registry
        )
        self.processed = Gauge(
            "consumer_processed", "Messages handled", ["durable"], registry=self.registry
        )
        self.duplicates = Gauge(
            "consumer_duplicates",
            "Redeliveries absorbed by the inbox",
            ["durable"],
            registry=self.registry,
        )
        self.dead = Gauge(
            "consumer_dead_letters", "Messages dead-lettered", ["durable"], registry=self.registry
        )

    async def render(self, runtime: ServiceRuntime) -> bytes:
        state: dict[str, Any] = await runtime.readiness()
        self.backlog.set(state["outbox_backlog"])
        self.oldest.set(state["outbox_oldest_age_s"])
        self.published.set(runtime.relay.published)
        self.relay_retries.set(runtime.relay.retries)
        self.broker_up.set(1 if runtime.broker.is_connected else 0)
        for c in runtime.consumers:
            name = c.durable.name
            self.lag.labels(name).set(c.lag)
            self.processed.labels(name).set(c.processed)
            self.duplicates.labels(name).set(c.duplicates)
            self.dead.labels(name).set(c.dead_letters)
        return generate_latest(self.registry)


@router.get(
    "/metrics",
    summary="Prometheus metrics (service accounts and supervisors)",
    responses=problem_responses(401, 403),
    dependencies=[Depends(metrics_reader)],
    response_class=PlainTextResponse,  # the OpenAPI document says text/plain, as served (T16)
)
async def metrics(request: Request) -> Response:
    runtime = _runtime(request)
    metrics: Metrics = request.app.state.metrics
    return Response(await metrics.render(runtime), media_type=CONTENT_TYPE_LATEST)
