"""Email delivery: a MIME message (plain text + HTML, our Message-ID) sent over SMTP with aiosmtplib."""

from __future__ import annotations

import email.policy
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

import aiosmtplib
from pydantic import SecretStr

from notifications.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifications.rendering import RenderedMessage

SmtpSecurity = Literal["none", "starttls", "tls"]
# RFC 5322 §2.1.1's hard limit. At 78 (policy.SMTP) the generator folds just before an encoded word
# and leaves the space before the fold, so a reader sees "Cremona  è" with two spaces.
WIDE_SMTP = email.policy.SMTP.clone(max_line_length=998)
MAX_ADDRESS_CHARS = 254  # RFC 5321 §4.5.3.1.3: the longest path an SMTP server must accept


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    host: str
    port: int
    sender: str  # the From address
    message_id_domain: str  # right-hand side of our Message-IDs
    sender_name: str = "Agenzia per l'Abitare Sociale - Ambito di Cremona"
    security: SmtpSecurity = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    timeout_s: float = 10.0
    validate_certs: bool = True
    ca_bundle: str | None = None  # PEM file; None uses the system store
    bounce_address: str | None = None  # envelope sender, when bounces go elsewhere


@dataclass(frozen=True)
class EmailAccepted:
    message_id_header: str
    server_response: str


def message_id_header(*, message_id: uuid.UUID, domain: str) -> str:
    """RFC 5322 Message-ID derived from our message id, so a resend is recognisable downstream."""
    return f"<{message_id}@{domain}>"


def _address(addr: str, *, display_name: str = "") -> Address:
    if any(ch in addr for ch in "\r\n\x00") or len(addr) > MAX_ADDRESS_CHARS:
        raise PermanentDeliveryError("invalid_address")
    try:
        parsed = Address(display_name=display_name, addr_spec=addr)
    except (ValueError, IndexError, HeaderParseError):
        raise PermanentDeliveryError("invalid_address") from None
    if not parsed.username or "." not in parsed.domain:
        raise PermanentDeliveryError("invalid_address")
    return parsed


def build_email(
    *,
    message_id: uuid.UUID,
    recipient: str,
    rendered: RenderedMessage,
    config: SmtpConfig,
    now: datetime,
) -> EmailMessage:
    """The message to send; raises `PermanentDeliveryError("invalid_address")` for a bad address."""
    if rendered.channel != "email" or rendered.subject is None or rendered.html is None:
        raise ValueError(f"{rendered.kind} was rendered for {rendered.channel}, not email")
    msg = EmailMessage()
    msg["From"] = _address(config.sender, display_name=config.sender_name)
    msg["To"] = _address(recipient)
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id_header(message_id=message_id, domain=config.message_id_domain)
    # RFC 3834: no auto-replies (out-of-office) back to an address nobody reads.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    # After the parts: set_content and add_alternative move or drop every Content-* header.
    msg["Content-Language"] = rendered.language
    return msg


def _wire(message: EmailMessage) -> EmailMessage | bytes:
    """The bytes to send, folded wide; an internationalised address keeps aiosmtplib's SMTPUTF8 path."""
    if not all(
        a.addr_spec.isascii() for a in [*message["To"].addresses, *message["From"].addresses]
    ):
        return message
    return message.as_bytes(policy=WIDE_SMTP)


def _classify_response(
    code: int, *, prefix: str
) -> TransientDeliveryError | PermanentDeliveryError:
    if 400 <= code < 500:
        return TransientDeliveryError(f"{prefix}_4xx")
    if 500 <= code < 600:
        return PermanentDeliveryError(f"{prefix}_5xx")
    return TransientDeliveryError(f"{prefix}_unexpected")


def _is_tls_failure(exc: BaseException) -> bool:
    return isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__, ssl.SSLError)


async def send_email(*, message: EmailMessage, config: SmtpConfig) -> EmailAccepted:
    """Send one message. Credentials and TLS trouble are transient: the message is fine, the
    configuration needs an operator, and R8 says nothing is dropped while it is fixed."""
    password = config.password.get_secret_value() if config.password is not None else None
    try:
        errors, response = await aiosmtplib.send(
            _wire(message),
            sender=config.bounce_address or config.sender,
            recipients=[a.addr_spec for a in message["To"].addresses],
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            validate_certs=config.validate_certs,
            cert_bundle=config.ca_bundle,
            timeout=config.timeout_s,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refused.code for refused in exc.recipients]
        if codes and all(400 <= code < 500 for code in codes):
            raise TransientDeliveryError("smtp_recipient_deferred") from None
        raise PermanentDeliveryError("smtp_recipient_refused") from None
    except aiosmtplib.SMTPAuthenticationError:
        raise TransientDeliveryError("smtp_auth") from None
    except aiosmtplib.SMTPResponseException as exc:
        raise _classify_response(exc.code, prefix="smtp") from None
    except aiosmtplib.SMTPTimeoutError:
        raise TransientDeliveryError("smtp_timeout") from None
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, ssl.SSLError) as exc:
        code = "smtp_tls" if _is_tls_failure(exc) else "smtp_connect"
        raise TransientDeliveryError(code) from None
    except aiosmtplib.SMTPNotSupported:
        # Only raised for SMTPUTF8: this address cannot travel through this server.
        raise PermanentDeliveryError("smtp_utf8_unsupported") from None
    except aiosmtplib.SMTPException as exc:
        code = "smtp_tls" if _is_tls_failure(exc) else "smtp_error"
        raise TransientDeliveryError(code) from None
    except OSError:
        raise TransientDeliveryError("smtp_connect") from None
    if errors:
        raise PermanentDeliveryError("smtp_recipient_refused")
    return EmailAccepted(message_id_header=str(message["Message-ID"]), server_response=response)
