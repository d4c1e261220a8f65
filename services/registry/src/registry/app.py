"""create_app(settings) for the registry: households, eligibility, priority and the only home of their PII."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI

from registry import handlers
from registry.audit_anchor import AnchorPublisher
from registry.models import infra, metadata
from registry.routes import routers
from registry.rules_policy import registry_rules
from registry.service import erasure, lifecycle
from registry.settings import Settings
from shared.policy import load_policy
from shared.runtime import Job, ServiceRuntime, build_app


def create_app(settings: Settings) -> FastAPI:
    policy = load_policy(settings.policy_file)
    rules = registry_rules(policy)
    retention = policy.raw.get("privacy", {}).get("household_retention_months")

    def jobs(runtime: ServiceRuntime) -> list[Job]:
        async def recheck(now: datetime) -> None:
            async with runtime.db.uow() as uow:
                await lifecycle.expire_lapsed_isee(uow, rules=rules, now=now)
                await uow.commit()

        anchors = AnchorPublisher(runtime.db)

        async def anchor(now: datetime) -> None:
            await anchors.publish(runtime.broker.js if runtime.broker.is_connected else None, now)

        async def overdue_erasures(now: datetime) -> None:
            async with runtime.db.uow() as uow:
                after = timedelta(seconds=settings.erasure_alert_after_s)
                await erasure.alert_unconfirmed(uow, now=now, after=after)

        daily = [
            Job("isee-expiry", settings.recheck_interval_s, recheck),
            Job("audit-anchor", settings.audit_anchor_interval_s, anchor, at_stop=True),
            Job("erasure-alert", settings.erasure_alert_interval_s, overdue_erasures),
        ]
        if retention is None:
            return daily  # no default period is shipped (DOMAIN §7.11): nothing is erased by age

        async def sweep(now: datetime) -> None:
            async with runtime.db.uow() as uow:
                await erasure.retention_sweep(
                    uow,
                    cutoff=erasure.months_before(now, int(retention)),
                    services=list(settings.peer_services),
                    infra=runtime.db.infra,
                    rules=rules,
                    now=now,
                )
                await uow.commit()

        return [*daily, Job("retention-households", settings.retention_interval_s, sweep)]

    app = build_app(
        settings,
        package="registry",
        title="Registry",
        description="Households of the Agenzia per l'Abitare Sociale: registration, eligibility, priority, status.",
        metadata=metadata,
        infra=infra,
        routers=routers,
        subscriptions=handlers.subscriptions(rules),
        jobs=jobs,
    )
    app.state.rules = rules
    return app
