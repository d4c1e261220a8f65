"""create_app(settings) for the matching service: read models, rounds, offers, explanations, links."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import delete
from sqlmodel import col

from matching import handlers
from matching.models import LinkToken, infra, metadata
from matching.routes import ROUTERS
from matching.runner import RoundRunner, SolverPool
from matching.service import offer_lifecycle
from matching.service.links import LinkKeys
from matching.settings import Settings
from shared.policy import load_policy
from shared.runtime import build_app
from shared.runtime.scheduler import Job
from shared.runtime.service import ServiceRuntime

EXPIRY_INTERVAL_S = 30.0  # RELIABILITY.md R9: a database sweep every 30 s
LINK_TOKENS_KEPT = timedelta(days=7)  # after expiry (RELIABILITY.md 4.4)


def expiry_job(runtime: ServiceRuntime) -> Job:
    async def expire(now: datetime) -> None:
        async with runtime.db.uow() as uow:
            await offer_lifecycle.expire_due(uow, policy=runtime.policy, now=now)
            await uow.commit()

    return Job("offer-expiry", EXPIRY_INTERVAL_S, expire)


def link_retention_job(runtime: ServiceRuntime) -> Job:
    async def prune(now: datetime) -> None:
        async with runtime.db.uow() as uow:
            await uow.session.execute(
                delete(LinkToken).where(col(LinkToken.expires_at) < now - LINK_TOKENS_KEPT)
            )
            await uow.commit()

    return Job("retention-link-tokens", 3600.0, prune)


def create_app(settings: Settings) -> FastAPI:
    link_keys = LinkKeys(settings.link_key_map())

    async def on_start(runtime: ServiceRuntime) -> None:
        solver = SolverPool(processes=settings.solver_processes)
        runner = RoundRunner(
            db=runtime.db, pool=solver, lease_s=settings.round_lease_s, poll_s=settings.round_poll_s
        )
        runtime.extras.update(solver=solver, rounds=runner, link_keys=link_keys)
        runner.start()

    async def on_stop(runtime: ServiceRuntime) -> None:
        await runtime.extras["rounds"].stop()

    return build_app(
        settings,
        package="matching",
        title="Matching",
        description="Optimal, explainable assignment of households to affordable units with OR-Tools.",
        metadata=metadata,
        infra=infra,
        routers=ROUTERS,
        subscriptions=handlers.subscriptions(load_policy(settings.policy_file)),
        jobs=lambda runtime: [expiry_job(runtime), link_retention_job(runtime)],
        on_start=on_start,
        on_stop=on_stop,
    )
