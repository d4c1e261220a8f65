"""The notifications service's settings: ServiceSettings plus delivery, caps and the sender loop."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import SecretStr

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "notifications"

    http_port: int = 8004
    database_url: str = "sqlite+aiosqlite:///var/notifications.db"

    # Email over SMTP (aiosmtplib). The embedded demo points this at the local sink (sinks.py).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "noreply@abitare-cremona.example.org"
    smtp_message_id_domain: str = "notifications.abitare-cremona.example.org"
    smtp_validate_certs: bool = True
    smtp_ca_bundle: str | None = None
    smtp_timeout_s: float = 10.0

    # SMS through an HTTP provider; without a provider URL, SMS go to `sms_file_path` (demo sink).
    sms_provider_url: str | None = None
    sms_provider_key: SecretStr | None = None
    sms_sender_id: str = "AgenziaCasa"
    sms_callback_url: str | None = None
    sms_callback_secret: SecretStr | None = None
    sms_file_path: Path | None = None
    # The embedded demo: a local SMTP sink on smtp_host:smtp_port writing emails here (sinks.py).
    demo_smtp_sink_dir: Path | None = None

    # Caps (RELIABILITY.md R8, 3.5): over a cap a message waits for the next day; nothing is dropped.
    sms_per_household_per_day: int = 3
    sms_per_day: int = 1_000
    email_per_day: int = 10_000
    cap_timezone: str = "Europe/Rome"

    # The sender loop: claim, fetch the contact, render, send, mark (R8).
    sender_enabled: bool = True
    sender_poll_s: float = 1.0
    sender_batch: int = 20
    sender_concurrency: int = 8  # recipients served at once (each recipient's messages in order)
    sender_claim_s: float = 60.0
    sender_retry_base_s: float = 5.0
    sender_retry_cap_s: float = 900.0
    sender_max_attempts: int = 20
    link_schemes: tuple[str, ...] = ("https",)
