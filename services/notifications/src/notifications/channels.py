"""The two delivery channels as the sender uses them, built from settings: SMTP and an SMS sender."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from notifications.catalog import NotificationLimits
from notifications.delivery_errors import PermanentDeliveryError
from notifications.email_delivery import SmtpConfig, build_email, send_email
from notifications.rendering import RenderConfig, RenderedMessage
from notifications.settings import Settings
from notifications.sms_delivery import (
    FileSmsSink,
    SmsAccepted,
    SmsProvider,
    SmsProviderConfig,
    SmsSender,
)


class NoSms:
    """No provider and no demo file: an SMS cannot go out, so the email fallback takes over."""

    async def send(self, *, message_id: uuid.UUID, to: str, text: str) -> SmsAccepted:
        raise PermanentDeliveryError("sms_not_configured")


@dataclass
class Channels:
    smtp: SmtpConfig
    sms: SmsSender
    render: RenderConfig = field(default_factory=RenderConfig)

    async def send_email(
        self, *, message_id: uuid.UUID, to: str, rendered: RenderedMessage, now: datetime
    ) -> str:
        message = build_email(
            message_id=message_id, recipient=to, rendered=rendered, config=self.smtp, now=now
        )
        accepted = await send_email(message=message, config=self.smtp)
        return accepted.message_id_header

    async def send_sms(self, *, message_id: uuid.UUID, to: str, rendered: RenderedMessage) -> str:
        accepted = await self.sms.send(message_id=message_id, to=to, text=rendered.text)
        return accepted.provider_message_id

    async def aclose(self) -> None:
        if isinstance(self.sms, SmsProvider):
            await self.sms.aclose()


def limits_of(settings: Settings) -> NotificationLimits:
    return NotificationLimits(
        sms_per_household_per_day=settings.sms_per_household_per_day,
        sms_per_day=settings.sms_per_day,
        email_per_day=settings.email_per_day,
    )


def build_channels(settings: Settings) -> Channels:
    smtp = SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        message_id_domain=settings.smtp_message_id_domain,
        security=settings.smtp_security,
        username=settings.smtp_user,
        password=settings.smtp_password,
        timeout_s=settings.smtp_timeout_s,
        validate_certs=settings.smtp_validate_certs,
        ca_bundle=settings.smtp_ca_bundle,
    )
    limits = limits_of(settings)
    sms: SmsSender
    if settings.sms_provider_url and settings.sms_provider_key is not None:
        sms = SmsProvider(
            config=SmsProviderConfig(
                base_url=settings.sms_provider_url,
                api_key=settings.sms_provider_key,
                sender_id=settings.sms_sender_id,
                callback_url=settings.sms_callback_url,
                limits=limits,
            )
        )
    elif settings.sms_file_path is not None:
        sms = FileSmsSink(path=settings.sms_file_path, limits=limits)
    else:
        sms = NoSms()
    render = RenderConfig(limits=limits, link_schemes=settings.link_schemes)
    return Channels(smtp=smtp, sms=sms, render=render)
