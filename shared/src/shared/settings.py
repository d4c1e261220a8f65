"""ServiceSettings: the configuration every service extends; only a service's __main__ reads the environment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The password in the userinfo part of a URL is a secret too (RELIABILITY.md 3.6).
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return _URL_PASSWORD.sub(r"\1**********@", value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


class ServiceSettings(BaseSettings):
    """Settings shared by the four services. Environment variable names are the field names in capitals."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: ClassVar[str] = "service"

    env: Literal["dev", "test", "production"] = "dev"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    database_url: str = "sqlite+aiosqlite:///var/service.db"
    # PostgreSQL waits (RELIABILITY.md R5, T12): past these a request gets 503, never a hang.
    database_connect_timeout_s: float = 2.0
    database_command_timeout_s: float = 3.0
    database_pool_timeout_s: float = 5.0
    migrate_on_start: bool = True
    nats_url: str = "nats://127.0.0.1:4223"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    policy_file: Path | None = None
    log_level: str = "INFO"
    log_file: Path | None = None

    # Staff tokens (RELIABILITY.md 3.1): one asymmetric algorithm, keys from a JWKS file or URL.
    jwt_issuer: str = "agency-dev"
    jwt_audience: str = "agency-api"
    jwt_jwks_file: Path | None = None
    jwt_jwks_url: str | None = None
    # Service credentials: in the embedded stack a dev key mints client-credentials tokens.
    service_signing_key_file: Path | None = None
    service_urls: dict[str, str] = {}

    # Messaging (RELIABILITY.md 2.1 table); tests shorten these.
    relay_poll_s: float = 0.5
    relay_backoff_base_s: float = 0.1
    relay_backoff_cap_s: float = 5.0
    publish_timeout_s: float = 2.0
    ack_wait_s: float = 30.0
    max_deliver: int = 10
    max_ack_pending: int = 100
    fetch_batch: int = 10
    fetch_timeout_s: float = 5.0
    # 0 = no idle heartbeat on pulls. nats-py 2.16 sends a heartbeat without `expires` when its
    # local queue already holds messages; the server answers 400 "heartbeat value too large" and
    # those messages wait out ack_wait (nats-io/nats.py#794), again on every fetch until they are
    # dead letters (seen in chaos T6 after a frozen broker). Refused until a fixed nats-py lands;
    # RELIABILITY §2.1's 1 s returns with it.
    fetch_heartbeat_s: float = 0.0
    nak_base_s: float = 0.5
    nak_cap_s: float = 30.0
    broker_lost_after_s: float = 30.0
    scheduler_enabled: bool = True
    audit_anchor_interval_s: float = 60.0

    # Limits (RELIABILITY.md 3.4-3.5).
    max_body_bytes: int = 64 * 1024
    max_import_bytes: int = 10 * 1024 * 1024

    # Fault injection for the chaos tier (RELIABILITY.md 5); refused when env is production.
    housing_faults: bool = False
    housing_crash_at: str | None = None  # "<crash point>:<nth>" or "<crash point>:p=<probability>"
    chaos_seed: int = 0
    housing_unacked_deliveries: int = 0  # leave the first N deliveries this process sees unacked
    housing_nak_share: float = 0.0  # nak this share of first deliveries with a delay
    housing_fail_events: str | None = None  # event ids whose handler always raises (poison tests)

    @field_validator("fetch_heartbeat_s")
    @classmethod
    def _no_pull_heartbeat(cls, value: float) -> float:
        if value != 0:
            raise ValueError(
                "must be 0: with nats-py 2.16 a pull heartbeat can turn valid messages into "
                "dead letters (nats-io/nats.py#794)"
            )
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """repr() and str() hide passwords in URLs as SecretStr hides the other secrets."""
        for name, value in super().__repr_args__():
            yield name, _masked(value)
