"""The matching service's settings: ServiceSettings plus what only it needs."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import ClassVar

from pydantic import SecretStr

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "matching"

    http_port: int = 8003
    database_url: str = "sqlite+aiosqlite:///var/matching.db"

    # Household link keys (RELIABILITY.md 3.1): LINK_KEYS='{"1": "<base64 of 32 bytes>"}'; the
    # highest kid signs new links, the others still verify (rotation). Required in production.
    link_keys: SecretStr | None = None
    link_keys_file: Path | None = None  # the same JSON in a mounted secret file (LINK_KEYS_FILE)
    # Where the household page is served, for the links handed to notifications.
    public_base_url: str = "http://127.0.0.1:8003"

    # Rounds (RELIABILITY.md R12): a worker leases a running round and renews the lease while solving.
    round_lease_s: float = 60.0
    round_poll_s: float = 2.0
    solver_processes: int = 1

    # Household link pages (RELIABILITY.md 3.5): views and answers per link and client address.
    link_pages_per_min: int = 10

    def link_key_map(self) -> dict[int, bytes]:
        """kid -> key; outside production a missing setting gets a key for this process only."""
        if self.link_keys is not None:
            text = self.link_keys.get_secret_value()
        elif self.link_keys_file is not None:
            text = self.link_keys_file.read_text(encoding="utf-8")
        elif self.env == "production":
            raise RuntimeError("LINK_KEYS or LINK_KEYS_FILE is required in production")
        else:
            return {1: secrets.token_bytes(32)}
        raw = json.loads(text)
        keys = {int(kid): base64.b64decode(value) for kid, value in raw.items()}
        if not keys or any(not 0 <= kid <= 255 or len(k) < 32 for kid, k in keys.items()):
            raise ValueError("LINK_KEYS: kids 0-255, keys of at least 32 bytes")
        return keys
