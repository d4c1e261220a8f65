"""The registry's settings: ServiceSettings plus what only the registry needs."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "registry"

    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///var/registry.db"
    # The services that hold a part of a household (export) and confirm erasures.
    peer_services: list[str] = ["landlords", "matching", "notifications"]
    retention_interval_s: float = 24 * 3600.0
    recheck_interval_s: float = 6 * 3600.0
    # RELIABILITY §3.7: the audit head is published every minute and at shutdown.
    audit_anchor_interval_s: float = 60.0
    # RELIABILITY §4.5: erasure needs a re-authenticated supervisor (a sign-in this recent).
    erasure_sign_in_max_age_s: float = 300.0
    # RELIABILITY §4.5 (5): an erasure some service has not confirmed after this raises an alert.
    erasure_alert_after_s: float = 3600.0
    erasure_alert_interval_s: float = 300.0
