"""`agency up`: nats-server from the venv, the streams, the four services on SQLite; Ctrl-C stops all."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import sysconfig
import time
from pathlib import Path

import httpx

from agency.processes import Child, port_in_use, stop_all
from agency.stack import (
    ISSUER,
    OPS,
    SERVICE_PORTS,
    StackPaths,
    ensure_keys,
    ensure_link_keys,
    ensure_passwords,
    write_nats_config,
)
from agency.streams import provision_streams
from shared.auth import Signer

logger = logging.getLogger(__name__)

DEMO_SMTP_PORT = 2525
NATS_BINARY = Path(sysconfig.get_path("scripts")) / "nats-server"


class LaunchError(Exception):
    """A one-line reason the stack cannot start."""


def _check_ports(ports: dict[str, int]) -> None:
    for name, port in ports.items():
        if port_in_use(port):
            raise LaunchError(
                f"port {port} ({name}) is already in use on 127.0.0.1; stop what uses it or choose another port"
            )


def _service_env(
    service: str,
    *,
    paths: StackPaths,
    port: int,
    nats_url: str,
    passwords: dict[str, str],
    urls: dict[str, str],
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOUSING_", "DATABASE_URL", "NATS_"))
    }
    env.update(
        {
            "ENV": "dev",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "DATABASE_URL": paths.database_url(service),
            "NATS_URL": nats_url,
            "NATS_USER": service,
            "NATS_PASSWORD": passwords[service],
            "JWT_ISSUER": ISSUER,
            "JWT_JWKS_FILE": str(paths.jwks.resolve()),
            "SERVICE_SIGNING_KEY_FILE": str(paths.private_key.resolve()),
            "SERVICE_URLS": json.dumps(urls),
            "LOG_FILE": str((paths.logs / f"{service}.log").resolve()),
        }
    )
    return env


def _wait_ready(urls: dict[str, str], children: list[Child], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    pending = dict(urls)
    with httpx.Client(timeout=2) as client:
        while pending:
            for child in children:
                if not child.alive:
                    raise LaunchError(
                        f"{child.name} exited during start-up; see var/logs/{child.name}.log"
                    )
            for name, url in list(pending.items()):
                try:
                    if client.get(f"{url}/ready").status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise LaunchError(
                    f"not ready after {timeout_s:.0f} s: {', '.join(sorted(pending))}"
                )
            time.sleep(0.2)


def _demo(
    paths: StackPaths,
    *,
    urls: dict[str, str],
    nats_url: str,
    scale: str,
    started: float,
    children: list[Child],
) -> None:
    """Seed, round, approval, answers, re-optimisation and the report; a failed step is one line."""
    from agency.demo.api import DemoError
    from agency.demo.flow import run_demo

    def check() -> None:
        for child in children:
            if not child.alive:
                raise DemoError(f"{child.name} stopped unexpectedly; see var/logs/{child.name}.log")

    try:
        run_demo(
            paths=paths,
            urls=urls,
            nats_url=nats_url,
            scale=scale,
            out=sys.stdout,
            started=started,
            check=check,
        )
    except DemoError as exc:
        sys.stdout.write(f"\nThe demo stopped: {exc}\n")


def up(
    *,
    var: Path,
    nats_port: int,
    nats_http_port: int,
    base_port: int | None,
    ready_timeout_s: float,
    demo: bool = False,
    scale: str = "demo",
) -> int:
    paths = StackPaths(var)
    smtp_port = DEMO_SMTP_PORT if base_port is None else base_port + len(SERVICE_PORTS)
    ports = (
        dict(SERVICE_PORTS)
        if base_port is None
        else {s: base_port + i for i, s in enumerate(SERVICE_PORTS)}
    )
    _check_ports(
        {"nats": nats_port, "nats monitor": nats_http_port, "demo SMTP sink": smtp_port, **ports}
    )
    ensure_keys(paths)
    passwords = ensure_passwords(paths)
    link_keys = ensure_link_keys(paths)
    config = write_nats_config(paths, port=nats_port, http_port=nats_http_port, passwords=passwords)
    nats_url = f"nats://127.0.0.1:{nats_port}"
    urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}
    started = time.monotonic()
    children: list[Child] = []
    stop: dict[str, int | bool | None] = {"signal": None, "demo_running": False}

    def on_signal(signum: int, _frame: object) -> None:
        stop["signal"] = signum
        if stop.get("demo_running"):
            raise KeyboardInterrupt  # the demo's HTTP calls and seed stop at once

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    broker = Child(
        "nats",
        [str(NATS_BINARY), "-c", str(config)],
        env=os.environ,
        log=paths.logs / "nats.log",
        cwd=Path.cwd(),
    )
    try:
        asyncio.run(provision_streams(nats_url, user=OPS, password=passwords[OPS], wait_s=20))
        for service, port in ports.items():
            env = _service_env(
                service, paths=paths, port=port, nats_url=nats_url, passwords=passwords, urls=urls
            )
            if service == "matching":
                env["LINK_KEYS_FILE"] = str(link_keys.resolve())
                env["PUBLIC_BASE_URL"] = urls["matching"]
            if service == "notifications":
                # No external account in the demo: email to a local SMTP sink, SMS to a file.
                env["DEMO_SMTP_SINK_DIR"] = str((paths.var / "mail").resolve())
                env["SMS_FILE_PATH"] = str((paths.var / "sms.jsonl").resolve())
                env["LINK_SCHEMES"] = '["https", "http"]'
                env["SMTP_PORT"] = str(smtp_port)
            children.append(
                Child(
                    service,
                    [sys.executable, "-m", service],
                    env=env,
                    log=paths.logs / f"{service}.stdout",
                    cwd=Path.cwd(),
                )
            )
        _wait_ready(urls, children, timeout_s=ready_timeout_s)
        elapsed = time.monotonic() - started
        signer = Signer.from_file(paths.private_key, issuer=ISSUER)
        token = signer.mint(
            sub="demo-caseworker", audience="agency-api", roles=["caseworker"], ttl_s=900
        )
        out = sys.stdout
        out.write(f"\nThe agency is up in {elapsed:.1f} s (NATS {nats_url}, data in {var}/).\n\n")
        for service, url in urls.items():
            out.write(f"  {service:<14} {url}   docs: {url}/docs\n")
        out.write(
            "\nA caseworker token (15 min; more with `.venv/bin/agency token --role caseworker|supervisor`):\n"
            f"  export TOKEN={token}\n"
            f'  curl -H "Authorization: Bearer $TOKEN" {urls["registry"]}/v1/households\n'
            f"\nMessages households and landlords receive: email in {var}/mail/, SMS in {var}/sms.jsonl.\n"
            + ("" if demo else "\nLogs in var/logs/. Ctrl-C stops everything.\n")
        )
        out.flush()
        if demo:
            stop["demo_running"] = True
            try:
                _demo(
                    paths,
                    urls=urls,
                    nats_url=nats_url,
                    scale=scale,
                    started=started,
                    children=[broker, *children],
                )
            except KeyboardInterrupt:
                return 0
            finally:
                stop["demo_running"] = False
            out.write("\nThe stack keeps running. Logs in var/logs/. Ctrl-C stops everything.\n")
            out.flush()
        while stop["signal"] is None:
            for child in [broker, *children]:
                if not child.alive:
                    raise LaunchError(f"{child.name} stopped unexpectedly; see var/logs/")
            time.sleep(0.3)
        return 0
    finally:
        stop_all(children)
        stop_all([broker])
        sys.stdout.write("Stopped.\n")
