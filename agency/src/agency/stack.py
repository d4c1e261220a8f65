"""The embedded stack's files under var/: signing keys, NATS passwords and config, databases, logs."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from shared.auth import generate_signing_key
from shared.messaging.nats_config import new_password, server_config
from shared.messaging.streams import SERVICES

OPS = "ops"
ISSUER = "agency-dev"
SERVICE_PORTS = {"registry": 8001, "landlords": 8002, "matching": 8003, "notifications": 8004}


@dataclass(frozen=True)
class StackPaths:
    var: Path

    @property
    def keys(self) -> Path:
        return self.var / "keys"

    @property
    def private_key(self) -> Path:
        return self.keys / "dev-issuer.pem"

    @property
    def jwks(self) -> Path:
        return self.keys / "jwks.json"

    @property
    def nats_dir(self) -> Path:
        return self.var / "nats"

    @property
    def nats_passwords(self) -> Path:
        return self.nats_dir / "passwords.json"

    @property
    def nats_config(self) -> Path:
        return self.nats_dir / "nats.conf"

    @property
    def logs(self) -> Path:
        return self.var / "logs"

    def database_url(self, service: str) -> str:
        return f"sqlite+aiosqlite:///{self.var.resolve() / f'{service}.db'}"


def ensure_keys(paths: StackPaths) -> None:
    """A dev issuer key pair, created once and kept, so tokens stay valid across restarts."""
    if not paths.private_key.exists() or not paths.jwks.exists():
        generate_signing_key(paths.keys)


def ensure_link_keys(paths: StackPaths) -> Path:
    """The key matching signs household links with, kept across restarts so sent links stay valid."""
    path = paths.keys / "link-keys.json"
    if not path.exists():
        paths.keys.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"1": base64.b64encode(os.urandom(32)).decode()}), encoding="utf-8"
        )
        path.chmod(0o600)
    return path


def ensure_passwords(paths: StackPaths) -> dict[str, str]:
    """Per-installation NATS passwords, generated on first run and never committed."""
    paths.nats_dir.mkdir(parents=True, exist_ok=True)
    if paths.nats_passwords.exists():
        stored: dict[str, str] = json.loads(paths.nats_passwords.read_text(encoding="utf-8"))
        if set(stored) >= {*SERVICES, OPS}:
            return stored
    passwords = {user: new_password() for user in (*SERVICES, OPS)}
    paths.nats_passwords.write_text(json.dumps(passwords), encoding="utf-8")
    paths.nats_passwords.chmod(0o600)
    return passwords


def write_nats_config(
    paths: StackPaths, *, port: int, http_port: int, passwords: dict[str, str]
) -> Path:
    text = server_config(
        port=port,
        http_port=http_port,
        store_dir=(paths.nats_dir / "store").resolve(),
        passwords=passwords,
    )
    paths.nats_config.write_text(text, encoding="utf-8")
    paths.nats_config.chmod(0o600)
    return paths.nats_config
