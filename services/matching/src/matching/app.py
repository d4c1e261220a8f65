"""create_app(settings) for the matching service: read models, rounds, offers, explanations."""

from __future__ import annotations

from fastapi import FastAPI

from matching import handlers, routes
from matching.models import infra, metadata
from matching.settings import Settings
from shared.runtime import build_app


def create_app(settings: Settings) -> FastAPI:
    return build_app(
        settings,
        package="matching",
        title="Matching",
        description="Optimal, explainable assignment of households to affordable units with OR-Tools.",
        metadata=metadata,
        infra=infra,
        routers=[routes.router],
        subscriptions=handlers.SUBSCRIPTIONS,
    )
