"""The registry's settings: ServiceSettings plus what only the registry needs."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "registry"

    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///var/registry.db"
