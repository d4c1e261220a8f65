"""create_app(settings) for the notifications service: events in, email and SMS out, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI

from notifications import handlers, service
from notifications.catalog import NotificationLimits
from notifications.channels import build_channels
from notifications.contacts import HttpDirectory
from notifications.models import infra, metadata
from notifications.routes import ROUTERS
from notifications.sending import Sender, SenderPolicy
from notifications.sending_caps import CapPolicy
from notifications.settings import Settings
from notifications.sinks import start_smtp_sink
from shared.http import ServiceClient
from shared.runtime import build_app
from shared.runtime.scheduler import Job
from shared.runtime.service import ServiceRuntime


def build_sender(runtime: ServiceRuntime, settings: Settings) -> Sender:
    """The sender over the runtime's database, with contacts fetched under service credentials."""
    client = ServiceClient(
        urls=settings.service_urls, token_for=lambda s: runtime.service_token(audience=s)
    )
    policy = SenderPolicy(
        caps=CapPolicy(
            sms_per_household_per_day=settings.sms_per_household_per_day,
            sms_per_day=settings.sms_per_day,
            email_per_day=settings.email_per_day,
            timezone=settings.cap_timezone,
        ),
        batch=settings.sender_batch,
        concurrency=settings.sender_concurrency,
        claim_s=settings.sender_claim_s,
        retry_base_s=settings.sender_retry_base_s,
        retry_cap_s=settings.sender_retry_cap_s,
        max_attempts=settings.sender_max_attempts,
    )
    return Sender(
        db=runtime.db,
        directory=HttpDirectory(client=client),
        channels=build_channels(settings),
        policy=policy,
    )


def create_app(settings: Settings) -> FastAPI:
    async def on_start(runtime: ServiceRuntime) -> None:
        if settings.demo_smtp_sink_dir is not None:
            if settings.env == "production":
                raise RuntimeError("the demo SMTP sink is refused in production")
            runtime.extras["smtp_sink"] = start_smtp_sink(
                directory=settings.demo_smtp_sink_dir,
                host=settings.smtp_host,
                port=settings.smtp_port,
            )
        sender = build_sender(runtime, settings)
        runtime.extras["sender"] = sender
        runtime.extras["channels"] = sender.channels
        if settings.sender_enabled:
            sender.start(poll_s=settings.sender_poll_s)

    async def on_stop(runtime: ServiceRuntime) -> None:
        sender: Sender = runtime.extras["sender"]
        await sender.stop()
        await sender.channels.aclose()
        if isinstance(sender.directory, HttpDirectory):
            await sender.directory.aclose()
        if (sink := runtime.extras.get("smtp_sink")) is not None:
            sink.stop()

    def jobs(runtime: ServiceRuntime) -> list[Job]:
        lead = timedelta(hours=NotificationLimits().offer_reminder_lead_hours)

        async def remind(now: datetime) -> None:
            async with runtime.db.uow() as uow:
                await service.queue_reminders(uow, lead=lead, now=now)
                await uow.commit()

        async def retention(now: datetime) -> None:
            async with runtime.db.uow() as uow:
                await service.apply_retention(uow, now=now)
                await uow.commit()

        return [Job("offer-reminders", 300.0, remind), Job("retention-messages", 3600.0, retention)]

    return build_app(
        settings,
        package="notifications",
        title="Notifications",
        description="Messages to households and landlords in their language, at most once per event.",
        metadata=metadata,
        infra=infra,
        routers=ROUTERS,
        subscriptions=handlers.SUBSCRIPTIONS,
        jobs=jobs,
        on_start=on_start,
        on_stop=on_stop,
    )
