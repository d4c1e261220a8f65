"""The e2e real-process stack (tests/e2e/e2e_stack.py) for the chaos tier: services at DEBUG with
the chaos column's short leases and retries, a SIGKILL-and-restart of any one service, and an HTTP
caller that retries, with the same Idempotency-Key, while a killed service comes back."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from agency.processes import Child
from agency.stack import ensure_link_keys
from shared.testing.databases import PostgresDatabases

_E2E = Path(__file__).resolve().parents[1] / "e2e"
if str(_E2E) not in sys.path:
    sys.path.insert(0, str(_E2E))

# mypy resolves the module from the repository root; at run time it comes from sys.path.
if TYPE_CHECKING:
    from tests.e2e.e2e_journey import units_csv
    from tests.e2e.e2e_stack import LAUNCHER_ORDER, Stack
else:
    from e2e_journey import units_csv
    from e2e_stack import LAUNCHER_ORDER, Stack

__all__ = ["Caller", "ChaosStack", "running_stack", "units_csv"]

# RELIABILITY.md 2.1, chaos column: short leases and retries, so a killed service's work is
# taken over in seconds rather than on production timeouts.
CHAOS_LOOPS = {
    "ACK_WAIT_S": "2",
    "NAK_BASE_S": "0.1",
    "NAK_CAP_S": "1",
    "ROUND_LEASE_S": "3",
    "SENDER_CLAIM_S": "3",
    "SENDER_RETRY_BASE_S": "0.2",
    "SENDER_RETRY_CAP_S": "1",
    "LOG_LEVEL": "DEBUG",
}
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"  # as tests/chaos/conftest.py
RETRY_FOR_S = 60.0  # a killed service is back within this, on two loaded cores
TRANSIENT = frozenset({502, 503, 504})


class ChaosStack(Stack):
    """`Stack` with the chaos settings, `kill(name)` and `restart(name)`."""

    def __init__(self, root: Path, *, postgres: PostgresDatabases, **env: str) -> None:
        super().__init__(root, order=LAUNCHER_ORDER, postgres=postgres)
        self.extra_env = {**CHAOS_LOOPS, **env}
        self.kills: list[str] = []
        self.back_after_s: list[float] = []

    def _env(self, service: str, *, link_keys: Path, smtp_port: int) -> dict[str, str]:
        return {**super()._env(service, link_keys=link_keys, smtp_port=smtp_port), **self.extra_env}

    def child(self, service: str) -> Child:
        return next(c for c in self.children if c.name == service)

    def kill(self, service: str) -> None:
        """SIGKILL: no shutdown hook runs, whatever was in flight is cut where it stood."""
        child = self.child(service)
        os.killpg(child.proc.pid, signal.SIGKILL)
        child.wait_or_kill(time.monotonic() + 10)
        self.kills.append(service)

    def restart(self, service: str) -> None:
        """Start the service again with the same settings and wait for its /ready."""
        started = time.monotonic()
        assert self._controller is not None, "launch the stack first"
        env = self._env(
            service, link_keys=ensure_link_keys(self.paths), smtp_port=self._controller.port
        )
        log = self.paths.logs / f"{service}.stdout"
        fresh = Child(service, [sys.executable, "-m", service], env=env, log=log, cwd=self.root)
        self.children = [fresh if c.name == service else c for c in self.children]
        self._wait_ready([service], within=RETRY_FOR_S)
        self.back_after_s.append(round(time.monotonic() - started, 2))

    def kill_soon(self, service: str, *, after_s: float) -> threading.Timer:
        """SIGKILL from another thread after `after_s`, amid whatever requests are then in flight;
        a `Caller` restarts the service (from the launching thread) when it finds it dead."""
        timer = threading.Timer(after_s, self.kill, (service,))
        timer.start()
        return timer

    def revive(self, service: str) -> None:
        if not self.child(service).alive:
            self.restart(service)

    def kill_and_restart(self, service: str) -> None:
        self.kill(service)
        self.restart(service)

    def log_files(self) -> list[Path]:
        """Every log the stack wrote: each service's stdout+stderr and log file, the broker's."""
        return [*sorted(p for p in self.paths.logs.glob("*") if p.is_file()), self.nats.log_path]


def _transient(response: httpx.Response) -> bool:
    """A gateway error, or R10's 409 for a key still in flight: the request a killed process was
    serving holds its key's lock until the lock expires (30 s), and the retry then takes it over."""
    if response.status_code == 409:
        return "idempotency-key-in-flight" in response.text
    return response.status_code in TRANSIENT


class Caller:
    """Calls that survive a killed service: connection errors, 502-504 and 409 in-flight are
    retried with the same request (and so the same Idempotency-Key) until `RETRY_FOR_S`, restarting
    the service if it is dead; then the status must match."""

    def __init__(self, stack: ChaosStack, client: httpx.Client) -> None:
        self.stack = stack
        self.client = client
        self.retries = 0

    def request(
        self, method: str, service: str, path: str, expect: int | tuple[int, ...], **kw: Any
    ) -> httpx.Response:
        wanted = (expect,) if isinstance(expect, int) else expect
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            try:
                response = self.client.request(method, self.stack.urls[service] + path, **kw)
                if not _transient(response) or time.monotonic() > deadline:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                self.stack.revive(service)
            self.retries += 1
            time.sleep(0.2)
        assert response.status_code in wanted, (
            f"{method} {service} {path}: {response.status_code} {response.text[:400]}"
        )
        return response

    def json(self, method: str, service: str, path: str, expect: int = 200, **kw: Any) -> Any:
        return self.request(method, service, path, expect, **kw).json()


@contextmanager
def running_stack(root: Path, **env: str) -> Iterator[ChaosStack]:
    """The four services as processes on fresh PostgreSQL databases (the chaos tier's), launched
    from the calling thread, always stopped and dropped."""
    base = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    databases = PostgresDatabases(base)
    asyncio.run(databases.create())
    stack = ChaosStack(root, postgres=databases, **env)
    try:
        stack.launch(one_by_one=False)
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()
        asyncio.run(databases.drop())
