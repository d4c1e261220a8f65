"""docker-compose.yml checked statically: settings names, ports, credentials and files it points at."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from shared.messaging.nats_config import NODES, USERS, password_env, route_env, shipped_configs
from shared.messaging.streams import SERVICES
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"registry": 8001, "landlords": 8002, "matching": 8003, "notifications": 8004}
NATS_NODES = tuple(f"nats-{n}" for n in range(1, NODES + 1))
# Env names a service may read beyond its Settings class (extend as services add their own).
EXTRA_ENV: dict[str, set[str]] = {svc: set() for svc in SERVICES}
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")
INTERPOLATED = re.compile(r"^\$\{[A-Z_]+:\?[^}]*\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def _settings_class(svc: str) -> type[BaseSettings]:
    # A service's own Settings adds fields; before it exists, the shared base is the contract.
    try:
        module = importlib.import_module(f"{svc}.settings")
    except ModuleNotFoundError:
        return ServiceSettings
    cls: type[BaseSettings] = module.Settings
    assert issubclass(cls, ServiceSettings)
    return cls


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "use the mapping form of environment"
    return {k: str(v) for k, v in env.items()}


@pytest.mark.parametrize("svc", SERVICES)
def test_every_env_name_is_a_settings_field(compose: dict[str, Any], svc: str) -> None:
    fields = {name.upper() for name in _settings_class(svc).model_fields}
    for name in (svc, f"{svc}-migrate"):
        unknown = set(_env(compose["services"][name])) - fields - EXTRA_ENV[svc]
        assert not unknown, f"{name}: not settings fields: {sorted(unknown)}"


@pytest.mark.parametrize("svc", SERVICES)
def test_service_runs_in_production_on_its_port_with_its_own_credentials(
    compose: dict[str, Any], svc: str
) -> None:
    service = compose["services"][svc]
    env = _env(service)
    port = PORTS[svc]
    assert service["ports"] == [f"{port}:{port}"]
    assert service["build"]["args"]["SERVICE"] == svc
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert env["ENV"] == "production"
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert env["HTTP_PORT"] == str(port)
    assert env["MIGRATE_ON_START"] == "false"
    assert env["DATABASE_URL"].startswith(f"postgresql+asyncpg://{svc}:")
    assert env["DATABASE_URL"].endswith(f"@postgres:5432/{svc}")
    assert f"${{{svc.upper()}_DB_PASSWORD:?" in env["DATABASE_URL"]
    assert env["NATS_USER"] == svc
    assert env["NATS_PASSWORD"].startswith(f"${{{password_env(svc)}:?")
    assert env["NATS_URL"].split(",") == [f"nats://{n}:4222" for n in NATS_NODES]
    assert env["JWT_JWKS_URL"].startswith("${JWT_JWKS_URL:?")
    assert "JWT_JWKS_FILE" not in env  # dev-only key material never reaches production
    assert "SERVICE_SIGNING_KEY_FILE" not in env
    migrate = compose["services"][f"{svc}-migrate"]
    assert migrate["command"] == ["python", "-m", svc, "migrate"]
    assert service["depends_on"] == {
        f"{svc}-migrate": {"condition": "service_completed_successfully"}
    }


def test_no_secret_is_written_in_the_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in _env(service).items():
            if SECRET.search(key):
                assert INTERPOLATED.match(value), f"{name}.{key} must come from the environment"
            for m in re.finditer(r"://[^:/@]+:([^@]+)@", value):
                assert INTERPOLATED.match(m.group(1)), f"{name}.{key} embeds a password"


def test_postgres_creates_one_database_per_service(compose: dict[str, Any]) -> None:
    pg = compose["services"]["postgres"]
    env = _env(pg)
    for svc in SERVICES:
        assert f"{svc.upper()}_DB_PASSWORD" in env
    init = next(v for v in pg["volumes"] if "docker-entrypoint-initdb.d" in v)
    host_path = ROOT / init.split(":")[0]
    assert host_path.is_file()
    assert host_path.stat().st_mode & 0o111, "initdb scripts must be executable"


def test_three_nats_nodes_run_the_shipped_configs(compose: dict[str, Any]) -> None:
    shipped = shipped_configs()
    for n, node in enumerate(NATS_NODES, start=1):
        service = compose["services"][node]
        conf = f"nats-{n}.conf"
        assert service["command"] == ["nats-server", "-c", f"/etc/nats/{conf}"]
        assert "./deploy/nats:/etc/nats:ro" in service["volumes"]
        assert (ROOT / "deploy" / "nats" / conf).read_text() == shipped[conf]
        assert any(v.endswith(":/data") for v in service["volumes"])
        env = _env(service)
        # Every $VAR the config references is provided.
        needed = set(re.findall(r"(?<![\"\w])\$([A-Z][A-Z0-9_]*)(?![.\w])", shipped[conf]))
        assert needed == {password_env(u) for u in USERS} | {
            route_env(i) for i in range(1, NODES + 1)
        } | {"ROUTE_NATS_PASSWORD"}
        assert needed <= set(env)
        for i in range(1, NODES + 1):
            assert env[route_env(i)].endswith(f"@nats-{i}:6222")


def test_streams_job_provisions_as_ops_after_the_cluster_is_healthy(
    compose: dict[str, Any],
) -> None:
    job = compose["services"]["streams"]
    assert job["command"][:2] == ["agency", "streams"]
    assert job["restart"] == "no"
    env = _env(job)
    assert env["NATS_USER"] == "ops"
    assert env["NATS_PASSWORD"].startswith("${OPS_NATS_PASSWORD:?")
    assert set(env) <= {name.upper() for name in ServiceSettings.model_fields}
    assert job["depends_on"] == {n: {"condition": "service_healthy"} for n in NATS_NODES}
    for svc in SERVICES:  # services never provision, so they never wait on the broker either
        assert "streams" not in compose["services"][svc]["depends_on"]


def test_env_example_lists_every_interpolated_variable() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / "deploy" / "env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert used == listed
