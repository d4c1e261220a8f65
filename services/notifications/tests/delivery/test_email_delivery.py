"""Email delivery through a real local SMTP server (aiosmtpd): content and error classes."""

from __future__ import annotations

import asyncio
import uuid
from email.message import EmailMessage
from typing import TYPE_CHECKING

import pytest
from aiosmtpd.controller import Controller

from notifications.catalog import CATALOG, MessageKind
from notifications.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifications.email_delivery import SmtpConfig, build_email, send_email
from notifications.rendering import render

if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import free_port
    from services.notifications.tests.delivery.notifications_smtp_helpers import (
        DOMAIN,
        NOW,
        Sink,
        offer_email,
        offer_rendering,
        parse,
        smtp_config,
    )
    from services.notifications.tests.rendering.notifications_samples import LINK, samples
else:
    from notifications_delivery_helpers import free_port
    from notifications_samples import LINK, samples
    from notifications_smtp_helpers import (
        DOMAIN,
        NOW,
        Sink,
        offer_email,
        offer_rendering,
        parse,
        smtp_config,
    )


async def test_both_parts_and_our_message_id_reach_the_server(
    plain_server: Controller, sink: Sink
) -> None:
    config = smtp_config(plain_server)
    message_id = uuid.uuid4()
    rendered = offer_rendering()
    msg = build_email(
        message_id=message_id,
        recipient="famiglia.rossi@example.org",
        rendered=rendered,
        config=config,
        now=NOW,
    )
    accepted = await send_email(message=msg, config=config)
    assert accepted.message_id_header == f"<{message_id}@{DOMAIN}>"
    [(mail_from, rcpt_tos, raw)] = sink.messages
    assert (mail_from, rcpt_tos) == ("noreply@abitare.test", ["famiglia.rossi@example.org"])
    received = parse(raw)
    assert received["Message-ID"] == f"<{message_id}@{DOMAIN}>"
    assert received["Subject"] == rendered.subject
    assert received["Content-Language"] == "it"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "multipart/alternative"
    plain = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    # SMTP carries CRLF line ends; the content is otherwise byte for byte what was rendered.
    assert plain.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n") == rendered.html
    assert "Corte de' Cortesi con Cignone" in plain.get_content()


async def test_every_kind_and_language_arrives_intact(plain_server: Controller, sink: Sink) -> None:
    """Non-ASCII subjects (è, «», €) and both parts survive the wire for every email kind."""
    config = smtp_config(plain_server)
    sent: list[tuple[uuid.UUID, str, str]] = []
    for kind, spec in CATALOG.items():
        for language in ("it", "en"):
            rendered = render(
                kind,
                language=language,
                params=samples(kind)[-1],
                channel="email",
                link=LINK if spec.needs_link else None,
            )
            assert rendered.subject is not None
            message_id = uuid.uuid4()
            msg = build_email(
                message_id=message_id,
                recipient="famiglia.rossi@example.org",
                rendered=rendered,
                config=config,
                now=NOW,
            )
            await send_email(message=msg, config=config)
            sent.append((message_id, rendered.subject, rendered.text))
    assert len(sink.messages) == len(sent)
    for (message_id, subject, text), (_, _, raw) in zip(sent, sink.messages, strict=True):
        received = parse(raw)
        assert received["Message-ID"] == f"<{message_id}@{DOMAIN}>"
        # Exactly: no fold may leave a doubled space (long subjects with a UUID and an "è").
        assert received["Subject"] == subject
        plain = received.get_body(preferencelist=("plain",))
        assert isinstance(plain, EmailMessage)
        assert plain.get_content().replace("\r\n", "\n") == text


async def test_server_down_is_transient_and_the_retry_delivers_once(sink: Sink) -> None:
    port = free_port()
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        sender="noreply@abitare.test",
        message_id_domain=DOMAIN,
        security="none",
        timeout_s=2,
    )
    message_id = uuid.uuid4()
    with pytest.raises(TransientDeliveryError) as info:
        await send_email(message=offer_email(config, message_id), config=config)
    assert info.value.code == "smtp_connect"
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await send_email(message=offer_email(config, message_id), config=config)
    finally:
        controller.stop()
    [(_, _, raw)] = sink.messages
    assert parse(raw)["Message-ID"] == f"<{message_id}@{DOMAIN}>"


async def test_a_server_that_never_greets_times_out() -> None:
    release, finished = asyncio.Event(), asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()
        finished.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        sender="noreply@abitare.test",
        message_id_domain=DOMAIN,
        security="none",
        timeout_s=0.3,
    )
    try:
        with pytest.raises(TransientDeliveryError) as info:
            await send_email(message=offer_email(config), config=config)
    finally:
        release.set()
        await finished.wait()
        server.close()
        await server.wait_closed()
    assert info.value.code == "smtp_timeout"


@pytest.mark.parametrize(
    ("where", "reply", "error", "code"),
    [
        ("rcpt", "550 5.1.1 Mailbox unavailable", PermanentDeliveryError, "smtp_recipient_refused"),
        ("rcpt", "450 4.2.1 Try again later", TransientDeliveryError, "smtp_recipient_deferred"),
        ("data", "554 5.6.0 Message rejected", PermanentDeliveryError, "smtp_5xx"),
        ("data", "451 4.3.0 Local error", TransientDeliveryError, "smtp_4xx"),
    ],
)
async def test_server_replies_map_to_transient_or_permanent(
    plain_server: Controller,
    sink: Sink,
    where: str,
    reply: str,
    error: type[Exception],
    code: str,
) -> None:
    if where == "rcpt":
        sink.rcpt_reply = reply
    else:
        sink.data_reply = reply
    config = smtp_config(plain_server)
    with pytest.raises(error) as info:
        await send_email(message=offer_email(config), config=config)
    assert getattr(info.value, "code", None) == code


@pytest.mark.parametrize(
    "address",
    ["not-an-address", "a@b", "famiglia@example.org\r\nBcc: x@example.org", "@example.org"],
)
def test_invalid_addresses_fail_before_any_connection(address: str) -> None:
    config = SmtpConfig(
        host="127.0.0.1", port=1, sender="noreply@abitare.test", message_id_domain=DOMAIN
    )
    with pytest.raises(PermanentDeliveryError) as info:
        build_email(
            message_id=uuid.uuid4(),
            recipient=address,
            rendered=offer_rendering(),
            config=config,
            now=NOW,
        )
    assert info.value.code == "invalid_address"


def test_an_sms_rendering_cannot_become_an_email() -> None:
    sms = render(
        MessageKind.OFFER_EXPIRED, language="en", params={"comune": "Cremona"}, channel="sms"
    )
    config = SmtpConfig(
        host="127.0.0.1", port=1, sender="noreply@abitare.test", message_id_domain=DOMAIN
    )
    with pytest.raises(ValueError, match="not email"):
        build_email(
            message_id=uuid.uuid4(),
            recipient="famiglia.rossi@example.org",
            rendered=sms,
            config=config,
            now=NOW,
        )
