"""SMTP test helpers: a recording aiosmtpd handler, configs and a sample rendered email."""

from __future__ import annotations

import email
import email.policy
import ssl
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifications.catalog import MessageKind
from notifications.email_delivery import SmtpConfig, build_email
from notifications.rendering import RenderedMessage, render

if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import TlsFiles
else:
    from notifications_delivery_helpers import TlsFiles

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DOMAIN = "notifications.abitare.test"


class Sink:
    """An SMTP handler that keeps what it accepts and answers with injected replies on demand."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[bytes] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply is not None:
            return self.data_reply
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret-pass"
        if ok:
            self.logins.append(auth_data.login)
        return AuthResult(success=ok, handled=False)


def smtp_config(controller: Controller, **changes: Any) -> SmtpConfig:
    base = SmtpConfig(
        host="127.0.0.1",
        port=controller.port,
        sender="noreply@abitare.test",
        message_id_domain=DOMAIN,
        security="none",
        timeout_s=5,
    )
    return replace(base, **changes)


def offer_rendering(language: Any = "it") -> RenderedMessage:
    params = {
        "programme": "agency",
        "comune": "Corte de' Cortesi con Cignone",
        "rooms": 3,
        "bedrooms": 2,
        "area_m2": 62,
        "floor": 1,
        "lift": True,
        "step_free": False,
        "rent_cents": 45000,
        "charges_cents": 6000,
        "respond_by": datetime(2026, 12, 5, 22, 59, tzinfo=UTC),
    }
    link = "https://casa.comune.cremona.it/o/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEf"
    return render(
        MessageKind.OFFER_MADE, language=language, params=params, channel="email", link=link
    )


def offer_email(config: SmtpConfig, message_id: uuid.UUID | None = None) -> EmailMessage:
    return build_email(
        message_id=message_id or uuid.uuid4(),
        recipient="famiglia.rossi@example.org",
        rendered=offer_rendering(),
        config=config,
        now=NOW,
    )


def parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def server_tls_context(tls: TlsFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert, tls.key)
    return context
