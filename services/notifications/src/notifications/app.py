"""create_app(settings) for the notifications service: events in, email and SMS out, never twice."""

from __future__ import annotations

from fastapi import FastAPI

from notifications import handlers, routes
from notifications.models import infra, metadata
from notifications.settings import Settings
from shared.runtime import build_app


def create_app(settings: Settings) -> FastAPI:
    return build_app(
        settings,
        package="notifications",
        title="Notifications",
        description="Messages to households and landlords in their language, at most once per event.",
        metadata=metadata,
        infra=infra,
        routers=[routes.router],
        subscriptions=handlers.SUBSCRIPTIONS,
    )
