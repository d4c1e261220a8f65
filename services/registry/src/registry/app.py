"""create_app(settings) for the registry: households, eligibility, priority and the only home of their PII."""

from __future__ import annotations

from fastapi import FastAPI

from registry import handlers, routes
from registry.models import infra, metadata
from registry.settings import Settings
from shared.runtime import build_app


def create_app(settings: Settings) -> FastAPI:
    return build_app(
        settings,
        package="registry",
        title="Registry",
        description="Households of the Agenzia per l'Abitare Sociale: registration, eligibility, priority, status.",
        metadata=metadata,
        infra=infra,
        routers=[routes.router],
        subscriptions=handlers.SUBSCRIPTIONS,
    )
