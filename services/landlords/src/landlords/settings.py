"""The landlords service's settings: ServiceSettings plus what only it needs."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "landlords"

    http_port: int = 8002
    database_url: str = "sqlite+aiosqlite:///var/landlords.db"

    # Rate limits (RELIABILITY.md 3.5), per minute unless named otherwise.
    auth_failures_per_min: int = 10
    landlord_writes_per_min: int = 60
    landlord_reads_per_min: int = 600
    landlord_units_per_day: int = 10_000
