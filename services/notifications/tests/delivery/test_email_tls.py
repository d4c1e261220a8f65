"""Email over STARTTLS and implicit TLS with authentication, against a real aiosmtpd server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from notifications.delivery_errors import TransientDeliveryError
from notifications.email_delivery import send_email

if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import (
        TlsFiles,
        free_port,
    )
    from services.notifications.tests.delivery.notifications_smtp_helpers import (
        Sink,
        offer_email,
        server_tls_context,
        smtp_config,
    )
else:
    from notifications_delivery_helpers import TlsFiles, free_port
    from notifications_smtp_helpers import Sink, offer_email, server_tls_context, smtp_config


async def test_starttls_with_authentication(
    starttls_server: Controller, sink: Sink, tls_files: TlsFiles
) -> None:
    config = smtp_config(
        starttls_server,
        security="starttls",
        username="agency",
        password=SecretStr("s3cret-pass"),
        ca_bundle=str(tls_files.cert),
    )
    await send_email(message=offer_email(config), config=config)
    assert sink.logins == [b"agency"]
    assert len(sink.messages) == 1


async def test_implicit_tls(sink: Sink, tls_files: TlsFiles) -> None:
    controller = Controller(
        sink, hostname="127.0.0.1", port=free_port(), ssl_context=server_tls_context(tls_files)
    )
    controller.start()
    try:
        config = smtp_config(controller, security="tls", ca_bundle=str(tls_files.cert))
        await send_email(message=offer_email(config), config=config)
    finally:
        controller.stop()
    assert len(sink.messages) == 1


async def test_wrong_password_is_transient(
    starttls_server: Controller, tls_files: TlsFiles
) -> None:
    config = smtp_config(
        starttls_server,
        security="starttls",
        username="agency",
        password=SecretStr("wrong"),
        ca_bundle=str(tls_files.cert),
    )
    with pytest.raises(TransientDeliveryError) as info:
        await send_email(message=offer_email(config), config=config)
    assert info.value.code == "smtp_auth"
    assert "wrong" not in str(info.value)


async def test_untrusted_certificate_is_transient(starttls_server: Controller, sink: Sink) -> None:
    config = smtp_config(
        starttls_server, security="starttls", username="agency", password=SecretStr("s3cret-pass")
    )
    with pytest.raises(TransientDeliveryError) as info:
        await send_email(message=offer_email(config), config=config)
    assert info.value.code == "smtp_tls"
    assert sink.messages == []
