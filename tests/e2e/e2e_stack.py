"""The whole agency as real processes for the e2e tests: the venv's nats-server, the streams, the
four services (`python -m <service>`, uvicorn on free 127.0.0.1 ports) configured the way
`agency up` configures them, a real SMTP server recording what notifications sends, SMS to a file."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from agency.processes import Child, stop_all
from agency.stack import ISSUER, OPS, StackPaths, ensure_keys, ensure_link_keys
from agency.streams import provision_streams
from agency.up import _service_env as launcher_env
from shared.auth import Signer
from shared.messaging.streams import SERVICES
from shared.testing.databases import PostgresDatabases
from shared.testing.nats import NatsServer, free_port

# The order `agency up` starts the services in.
LAUNCHER_ORDER: tuple[str, ...] = ("registry", "landlords", "matching", "notifications")
# Consumers before producers: the registry, which the others wait on, comes last.
REGISTRY_LAST: tuple[str, ...] = ("notifications", "matching", "landlords", "registry")

READY_WITHIN_S = 60.0  # two stacks start on two shared cores
# Shorter polling than production so the suite waits on no production timeout (RELIABILITY 2.1).
FAST_LOOPS = {
    "RELAY_POLL_S": "0.1",
    "SENDER_POLL_S": "0.2",
    "ROUND_POLL_S": "0.2",
}


@dataclass
class SmtpRecord:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The plain-text part (what a mail client shows first)."""
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "an email without a text part"
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return "" if part is None else str(part.get_content())


class RecordingSmtp:
    """An aiosmtpd handler keeping every accepted message in memory."""

    def __init__(self) -> None:
        self.received: list[SmtpRecord] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(SmtpRecord(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class Stack:
    """The agency's processes under `root`: create, `start()`, use, and always `stop()`."""

    def __init__(
        self, root: Path, *, order: tuple[str, ...], postgres: PostgresDatabases | None
    ) -> None:
        assert sorted(order) == sorted(SERVICES)
        self.root = root
        self.order = order
        self.paths = StackPaths(root)
        self.nats = NatsServer(root / "nats")
        self.urls = {s: f"http://127.0.0.1:{free_port()}" for s in order}
        self.database_urls = (
            {s: postgres.urls[s] for s in SERVICES}
            if postgres
            else {s: self.paths.database_url(s) for s in SERVICES}
        )
        self.smtp = RecordingSmtp()
        self.sms_file = root / "sms.jsonl"
        self.children: list[Child] = []
        self.started_in_s = 0.0
        self._started = 0.0
        self._controller: Controller | None = None
        self._signer: Signer | None = None

    def launch(self, *, one_by_one: bool) -> None:
        """Broker, streams provisioned as ops, the SMTP server, then the services in `order`: all
        at once as `agency up` starts them (`wait_ready` then), or each only once the one before
        answers /ready. Call it from the thread that outlives the processes (they get SIGTERM
        when the thread that started them ends)."""
        self._started = time.monotonic()
        ensure_keys(self.paths)
        link_keys = ensure_link_keys(self.paths)
        self._signer = Signer.from_file(self.paths.private_key, issuer=ISSUER)
        self.nats.start()
        password = self.nats.passwords[OPS]
        asyncio.run(provision_streams(self.nats.url, user=OPS, password=password, wait_s=20))
        self._controller = Controller(self.smtp, hostname="127.0.0.1", port=free_port())
        self._controller.start()
        for service in self.order:
            env = self._env(service, link_keys=link_keys, smtp_port=self._controller.port)
            log = self.paths.logs / f"{service}.stdout"
            argv = [sys.executable, "-m", service]
            self.children.append(Child(service, argv, env=env, log=log, cwd=self.root))
            if one_by_one:
                self._wait_ready([service], within=READY_WITHIN_S)

    def wait_ready(self) -> None:
        self._wait_ready(self.order, within=READY_WITHIN_S)
        self.started_in_s = time.monotonic() - self._started

    def stop(self) -> None:
        """Services first (SIGTERM, SIGKILL after the grace), then the SMTP server and the broker."""
        try:
            stop_all(self.children, grace_s=10)
        finally:
            if self._controller is not None:
                self._controller.stop()
            self.nats.stop()

    def _env(self, service: str, *, link_keys: Path, smtp_port: int) -> dict[str, str]:
        """The launcher's environment for a service plus what `agency up` adds per service, but
        email goes to this test's SMTP server instead of the demo sink."""
        port = int(self.urls[service].rsplit(":", 1)[1])
        env = launcher_env(
            service,
            paths=self.paths,
            port=port,
            nats_url=self.nats.url,
            passwords=self.nats.passwords,
            urls=self.urls,
        )
        env.update(FAST_LOOPS)
        env["DATABASE_URL"] = self.database_urls[service]
        if service == "matching":
            env["LINK_KEYS_FILE"] = str(link_keys.resolve())
            env["PUBLIC_BASE_URL"] = self.urls["matching"]
        if service == "notifications":
            env["SMTP_HOST"] = "127.0.0.1"
            env["SMTP_PORT"] = str(smtp_port)
            env["SMS_FILE_PATH"] = str(self.sms_file.resolve())
            env["LINK_SCHEMES"] = '["https", "http"]'
        return env

    def _wait_ready(self, names: Iterable[str], *, within: float) -> None:
        deadline = time.monotonic() + within
        waiting = set(names)
        with httpx.Client(timeout=2) as client:
            while waiting:
                if dead := [c.name for c in self.children if not c.alive]:
                    raise RuntimeError(f"{', '.join(dead)} exited during start-up")
                for name in list(waiting):
                    try:
                        if client.get(f"{self.urls[name]}/ready").status_code == 200:
                            waiting.discard(name)
                    except httpx.HTTPError:
                        pass
                if waiting and time.monotonic() > deadline:
                    raise RuntimeError(f"not ready within {within:.0f} s: {sorted(waiting)}")
                time.sleep(0.1)

    def staff(self, role: str, *, sub: str | None = None) -> dict[str, str]:
        assert self._signer is not None, "start the stack first"
        token = self._signer.mint(
            sub=sub or f"e2e-{role}", audience="agency-api", roles=[role], ttl_s=900
        )
        return {"Authorization": f"Bearer {token}"}

    def sms(self) -> list[dict[str, Any]]:
        """The SMS notifications sent, as the file provider wrote them."""
        if not self.sms_file.exists():
            return []
        return [json.loads(line) for line in self.sms_file.read_text("utf-8").splitlines()]

    def logs(self) -> dict[str, Path]:
        found = {"nats-server": self.nats.log_path}
        for name in self.order:
            found[f"{name} (stdout)"] = self.paths.logs / f"{name}.stdout"
            found[f"{name} (log)"] = self.paths.logs / f"{name}.log"
        return found


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log, without the access lines that would hide what went wrong."""
    if not path.exists():
        return "(no log)"
    kept = [
        line
        for line in path.read_text(errors="replace").splitlines()
        if '"logger":"shared.access"' not in line
    ]
    return "\n".join(kept[-lines:])
