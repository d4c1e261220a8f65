"""ServiceRuntime: the resources a service's lifespan builds (db, broker, relay, consumers, jobs)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, delete, text

from shared.auth import AuthContext, Signer, TokenVerifier
from shared.db import Database, DatabaseTimeouts, InfraTables
from shared.idempotency import Idempotency
from shared.messaging.connection import Broker
from shared.messaging.consumer import Consumer, ConsumerTuning, Subscription
from shared.messaging.relay import OutboxRelay
from shared.messaging.streams import durables_of
from shared.migrations import upgrade
from shared.policy import Policy, load_policy
from shared.runtime.problems import render_domain_error
from shared.runtime.scheduler import Job, Scheduler
from shared.settings import ServiceSettings

logger = logging.getLogger(__name__)

PUBLISHED_OUTBOX_KEPT = timedelta(days=7)
INBOX_KEPT = timedelta(days=14)
IDEMPOTENCY_KEPT = timedelta(hours=24)
RESOLVED_DEAD_LETTERS_KEPT = timedelta(days=30)  # after resolution (replay), RELIABILITY.md 4.4


@dataclass
class ServiceRuntime:
    """Everything a running service holds; built in the lifespan, reachable as `app.state.runtime`."""

    settings: ServiceSettings
    db: Database
    broker: Broker
    relay: OutboxRelay
    consumers: list[Consumer]
    scheduler: Scheduler
    policy: Policy
    auth: AuthContext
    idempotency: Idempotency
    signer: Signer | None
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        settings: ServiceSettings,
        *,
        metadata: MetaData,
        infra: InfraTables,
        subscriptions: Sequence[Subscription[Any]],
        jobs: Sequence[Job] = (),
    ) -> ServiceRuntime:
        service = settings.service_name
        timeouts = DatabaseTimeouts(
            connect_s=settings.database_connect_timeout_s,
            command_s=settings.database_command_timeout_s,
            pool_s=settings.database_pool_timeout_s,
        )
        db = Database.connect(
            settings.database_url, metadata=metadata, infra=infra, timeouts=timeouts
        )
        broker = Broker(
            service=service,
            url=settings.nats_url,
            user=settings.nats_user,
            password=settings.nats_password.get_secret_value() if settings.nats_password else None,
        )
        relay = OutboxRelay(
            service=service,
            db=db,
            broker=broker,
            poll_s=settings.relay_poll_s,
            publish_timeout_s=settings.publish_timeout_s,
            backoff_base_s=settings.relay_backoff_base_s,
            backoff_cap_s=settings.relay_backoff_cap_s,
        )
        tuning = ConsumerTuning(
            max_deliver=settings.max_deliver,
            fetch_batch=settings.fetch_batch,
            fetch_timeout_s=settings.fetch_timeout_s,
            fetch_heartbeat_s=settings.fetch_heartbeat_s,
            nak_base_s=settings.nak_base_s,
            nak_cap_s=settings.nak_cap_s,
            ack_wait_s=settings.ack_wait_s,
            broker_lost_after_s=settings.broker_lost_after_s,
        )
        by_stream: dict[str, list[Subscription[Any]]] = {}
        for sub in subscriptions:
            by_stream.setdefault(sub.event.producer().upper(), []).append(sub)
        declared = durables_of(service)
        if set(by_stream) != {d.stream for d in declared}:
            raise TypeError(f"{service}: subscriptions do not match the declared durables")
        consumers = [
            Consumer(
                durable=d, subscriptions=by_stream[d.stream], db=db, broker=broker, tuning=tuning
            )
            for d in declared
        ]
        verifier: TokenVerifier | None = None
        if settings.jwt_jwks_file is not None:
            verifier = TokenVerifier.from_file(settings.jwt_jwks_file, issuer=settings.jwt_issuer)
        elif settings.jwt_jwks_url:
            verifier = TokenVerifier(
                jwks=None, jwks_url=settings.jwt_jwks_url, issuer=settings.jwt_issuer
            )
        signer = (
            Signer.from_file(settings.service_signing_key_file, issuer=settings.jwt_issuer)
            if settings.service_signing_key_file
            else None
        )
        runtime = cls(
            settings=settings,
            db=db,
            broker=broker,
            relay=relay,
            consumers=consumers,
            scheduler=Scheduler(service=service, db=db, jobs=[]),
            policy=load_policy(settings.policy_file),
            auth=AuthContext(service=service, verifier=verifier, audience=settings.jwt_audience),
            idempotency=Idempotency(db=db, render_problem=render_domain_error),
            signer=signer,
        )
        runtime.scheduler.jobs.extend([*jobs, *runtime._housekeeping_jobs()])
        return runtime

    def _housekeeping_jobs(self) -> list[Job]:
        infra = self.db.infra

        async def prune(now: datetime) -> None:
            async with self.db.uow() as uow:
                await uow.session.execute(
                    delete(infra.outbox).where(
                        infra.outbox.c.published_at.is_not(None),
                        infra.outbox.c.published_at < now - PUBLISHED_OUTBOX_KEPT,
                    )
                )
                await uow.session.execute(
                    delete(infra.inbox).where(infra.inbox.c.processed_at < now - INBOX_KEPT)
                )
                await uow.session.execute(
                    delete(infra.idempotency).where(
                        infra.idempotency.c.created_at < now - IDEMPOTENCY_KEPT
                    )
                )
                await uow.session.execute(
                    delete(infra.dead_letter).where(
                        infra.dead_letter.c.replayed_at < now - RESOLVED_DEAD_LETTERS_KEPT
                    )
                )
                await uow.commit()

        return [Job("retention-infra", 3600.0, prune)]

    def service_token(self, *, audience: str) -> str:
        """A client-credentials token for calling another service's internal endpoints."""
        if self.signer is None:
            raise RuntimeError("no service credentials configured")
        return self.signer.mint(
            sub=f"svc-{self.settings.service_name}", audience=audience, ttl_s=300
        )

    async def start(self, *, package: str) -> None:
        if self.settings.migrate_on_start:
            await upgrade(self.db.engine, package)
        self.broker.start()
        self.relay.start()
        for consumer in self.consumers:
            consumer.start()
        if self.settings.scheduler_enabled:
            self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        for consumer in self.consumers:
            await consumer.stop()
        await self.relay.stop()
        await self.broker.stop()
        await self.db.dispose()

    async def database_ok(self) -> bool:
        try:
            async with asyncio.timeout(2):
                async with self.db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def readiness(self) -> dict[str, Any]:
        backlog = await self.relay.backlog()
        consumers = {}
        for c in self.consumers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(c.refresh_lag(), timeout=1)
            consumers[c.durable.name] = {"lag": c.lag, "degraded": c.degraded}
        degraded = self.broker.state != "connected" or any(c.degraded for c in self.consumers)
        return {
            "status": "degraded" if degraded else "ready",
            "database": "ok",
            "broker": self.broker.state,
            "outbox_backlog": backlog.count,
            "outbox_oldest_age_s": round(backlog.oldest_age_s, 3),
            "consumers": consumers,
            "dead_letters": sum(c.dead_letters for c in self.consumers),
        }
