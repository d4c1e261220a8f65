"""The matching service's settings: ServiceSettings plus what only it needs."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "matching"

    http_port: int = 8003
    database_url: str = "sqlite+aiosqlite:///var/matching.db"
