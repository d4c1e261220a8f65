"""create_app(settings) for the landlords service: landlords, their keys, units and offers."""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI

from landlords import handlers
from landlords.access import RateLimits
from landlords.models import infra, metadata
from landlords.routes import ROUTERS
from landlords.rules_policy import rules_from_policy
from landlords.service import keys
from landlords.settings import Settings
from landlords.unit_rules import UnitChecker
from shared.runtime import Job, ServiceRuntime, build_app

KEY_USE_PRUNE_INTERVAL_S = 3600.0


def create_app(settings: Settings) -> FastAPI:
    async def on_start(runtime: ServiceRuntime) -> None:
        db = runtime.db
        runtime.extras["checker"] = UnitChecker.from_rules(rules_from_policy(runtime.policy))
        runtime.extras["rate_limits"] = RateLimits.from_settings(settings)
        runtime.auth.landlord_keys = lambda key_id, secret: keys.resolve_api_key(db, key_id, secret)

    def jobs(runtime: ServiceRuntime) -> list[Job]:
        async def prune(now: datetime) -> None:
            async with runtime.db.uow() as uow:
                await keys.prune_key_uses(uow, now=now)
                await uow.commit()

        return [Job("prune-key-uses", KEY_USE_PRUNE_INTERVAL_S, prune)]

    return build_app(
        settings,
        package="landlords",
        title="Landlords",
        description="Private landlords and SAS operators offering units to the agency through an API.",
        metadata=metadata,
        infra=infra,
        routers=ROUTERS,
        subscriptions=handlers.SUBSCRIPTIONS,
        jobs=jobs,
        on_start=on_start,
    )
