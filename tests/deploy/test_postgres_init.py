"""deploy/postgres/init-databases.sh run against the test PostgreSQL: one owned, closed database per service."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from shared.messaging.streams import SERVICES

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "init-databases.sh"
URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not URL, reason="needs TEST_DATABASE_URL"),
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs psql"),
]


def _pg_env() -> dict[str, str]:
    url = urlsplit(URL)
    env = {**os.environ, "PGHOST": url.hostname or "127.0.0.1", "PGPORT": str(url.port or 5432)}
    env["POSTGRES_USER"] = url.username or "postgres"
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


def _psql(sql: str, *, user: str, db: str = "postgres") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", "-X", "-At", "-U", user, "-d", db, "-c", sql],
        capture_output=True,
        text=True,
        env=_pg_env(),
        timeout=30,
        check=False,
    )


@pytest.fixture
def names() -> Iterator[list[str]]:
    # Unique names: the test PostgreSQL is shared, so never create the real service roles.
    prefix = f"t{secrets.token_hex(4)}_"
    names = [prefix + svc for svc in SERVICES]
    yield names
    admin = _pg_env()["POSTGRES_USER"]
    for name in names:
        _psql(f'DROP DATABASE IF EXISTS "{name}"', user=admin)
        _psql(f'DROP ROLE IF EXISTS "{name}"', user=admin)


def test_each_service_owns_one_database_no_other_service_can_open(names: list[str]) -> None:
    env = _pg_env()
    env["AGENCY_DATABASES"] = " ".join(names)
    for name in names:
        env[f"{name.upper()}_DB_PASSWORD"] = secrets.token_urlsafe(16)
    run = subprocess.run(
        ["sh", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    admin = env["POSTGRES_USER"]
    for name in names:
        owner = _psql(
            f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{name}'",
            user=admin,
        )
        assert owner.stdout.strip() == name
        assert _psql("SELECT 1", user=name, db=name).returncode == 0
    intruder, victim = names[0], names[1]
    refused = _psql("SELECT 1", user=intruder, db=victim)
    assert refused.returncode != 0
    assert "permission denied" in refused.stderr


def test_a_missing_password_stops_the_init(names: list[str]) -> None:
    env = _pg_env()
    env["AGENCY_DATABASES"] = names[0]
    run = subprocess.run(
        ["sh", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert run.returncode != 0
    assert f"{names[0].upper()}_DB_PASSWORD is not set" in run.stderr
