"""create_app(settings) for the landlords service: landlords, their keys, units and offers."""

from __future__ import annotations

from fastapi import FastAPI

from landlords import handlers, routes, service
from landlords.models import infra, metadata
from landlords.settings import Settings
from shared.runtime import ServiceRuntime, build_app


async def _wire_api_keys(runtime: ServiceRuntime) -> None:
    db = runtime.db

    runtime.auth.landlord_keys = lambda key_id, secret: service.resolve_api_key(db, key_id, secret)


def create_app(settings: Settings) -> FastAPI:
    return build_app(
        settings,
        package="landlords",
        title="Landlords",
        description="Private landlords and SAS operators offering units to the agency through an API.",
        metadata=metadata,
        infra=infra,
        routers=[routes.router],
        subscriptions=handlers.SUBSCRIPTIONS,
        on_start=_wire_api_keys,
    )
