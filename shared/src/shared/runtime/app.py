"""build_app: the conventions every service's create_app follows (lifespan, errors, middleware, checks)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import MetaData

from shared.auth import Authorize
from shared.db import InfraTables
from shared.faults import arm_from_spec, configure_consumer_faults
from shared.messaging.consumer import Subscription
from shared.runtime.deadletters import router as deadletters_router
from shared.runtime.health import Metrics
from shared.runtime.health import router as health_router
from shared.runtime.middleware import BodyLimits, RequestContext
from shared.runtime.problems import install_problem_handlers
from shared.runtime.scheduler import Job
from shared.runtime.service import ServiceRuntime
from shared.settings import ServiceSettings

PUBLIC_PATHS = frozenset(
    {"/health", "/ready", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)

Hook = Callable[[ServiceRuntime], Awaitable[None]]


def _authorizes(call: Any) -> bool:
    return isinstance(call, Authorize) or bool(getattr(call, "__authorizes__", False))


def _api_routes(routes: Sequence[Any]) -> list[APIRoute]:
    """Every APIRoute, including those of routers FastAPI includes lazily."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        router = getattr(route, "original_router", None)
        if router is not None:
            found.extend(_api_routes(router.routes))
    return found


def check_routes_authorized(app: FastAPI) -> None:
    """Deny by default: every route declares who may call it, or the app refuses to start."""
    missing = []
    for route in _api_routes(app.routes):
        if route.path in PUBLIC_PATHS:
            continue
        stack = list(route.dependant.dependencies)
        found = False
        while stack:
            dep = stack.pop()
            if _authorizes(dep.call):
                found = True
                break
            stack.extend(dep.dependencies)
        if not found:
            missing.append(f"{','.join(sorted(route.methods or ()))} {route.path}")
    if missing:
        raise RuntimeError(f"routes without an authorization dependency: {missing}")


def build_app(
    settings: ServiceSettings,
    *,
    package: str,
    title: str,
    description: str,
    metadata: MetaData,
    infra: InfraTables,
    routers: Sequence[APIRouter],
    subscriptions: Sequence[Subscription[Any]] = (),
    jobs: Callable[[ServiceRuntime], Sequence[Job]] | None = None,
    on_start: Hook | None = None,
    on_stop: Hook | None = None,
) -> FastAPI:
    """A FastAPI app whose lifespan builds a ServiceRuntime; HTTP serves without waiting for NATS."""
    if settings.housing_faults:
        if settings.env == "production":
            raise RuntimeError("fault injection is refused in production")
        arm_from_spec(settings.housing_crash_at, seed=settings.chaos_seed)
        configure_consumer_faults(
            unacked_deliveries=settings.housing_unacked_deliveries,
            nak_share=settings.housing_nak_share,
            seed=settings.chaos_seed,
            failing_events=settings.housing_fail_events,
        )
    elif settings.env == "production" and settings.housing_crash_at:
        raise RuntimeError("fault injection is refused in production")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime.build(
            settings, metadata=metadata, infra=infra, subscriptions=subscriptions
        )
        if jobs is not None:
            runtime.scheduler.jobs.extend(jobs(runtime))
        app.state.runtime = runtime
        app.state.auth = runtime.auth
        await runtime.start(package=package)
        if on_start is not None:
            await on_start(runtime)
        try:
            yield
        finally:
            if on_stop is not None:
                await on_stop(runtime)
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.metrics = Metrics()
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(deadletters_router)
    for router in routers:
        app.include_router(router)
    check_routes_authorized(app)
    app.add_middleware(
        BodyLimits, max_bytes=settings.max_body_bytes, max_import_bytes=settings.max_import_bytes
    )
    app.add_middleware(RequestContext)
    return app
