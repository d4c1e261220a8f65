"""The landlords service's settings: ServiceSettings plus what only it needs."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "landlords"

    http_port: int = 8002
    database_url: str = "sqlite+aiosqlite:///var/landlords.db"
