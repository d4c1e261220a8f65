"""The broker harness of RELIABILITY.md 5: the venv's real nats-server on free loopback ports."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import nats
import psutil
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError, ServerError

from shared.messaging.nats_config import (
    OPS,
    USERS,
    inbox_prefix,
    new_password,
    password_env,
    server_config,
)
from shared.messaging.provision import FAST_TESTS, TestOverrides, provision

# Never the nats-server on PATH: development machines carry a 2.9.x there (RELIABILITY.md 1.8).
NATS_SERVER = Path(sysconfig.get_path("scripts")) / "nats-server"
MIN_VERSION = (2, 12, 3)
HOST = "127.0.0.1"
# The monitor is on loopback: never route it through an http_proxy from the environment.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Every process we started, so an interrupted run still kills its brokers on exit.
_STARTED: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_STARTED):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGCONT)
                os.kill(proc.pid, signal.SIGKILL)


def _is_stopped(thread: psutil.Process) -> bool | None:
    try:
        return bool(thread.status() == psutil.STATUS_STOPPED)
    except psutil.NoSuchProcess:
        return None  # a thread that ended is neither


# (port, http_port, store_dir, passwords) -> config text.
ConfigTemplate = Callable[[int, int, Path, Mapping[str, str]], str]


@cache
def server_version(binary: Path = NATS_SERVER) -> tuple[int, int, int]:
    out = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    match = re.search(r"v(\d+)\.(\d+)\.(\d+)", out)
    if match is None:
        raise RuntimeError(f"cannot read the nats-server version from {out!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


# Below Linux's ephemeral range (32768-60999): a port handed out here cannot be taken by some
# process's outgoing connection before the server we start binds it. Each is handed out once
# per test process, so two stacks started side by side never get the same one.
_PORTS = range(20_000, 32_000)
_handed_out: set[int] = set()


def free_port() -> int:
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    for _ in range(200):
        port = rng.choice(_PORTS)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port in 20000-31999 on 127.0.0.1")


def generated_config(
    port: int, http_port: int, store_dir: Path, passwords: Mapping[str, str]
) -> str:
    return server_config(port=port, http_port=http_port, store_dir=store_dir, passwords=passwords)


class NatsServer:
    """One nats-server process whose port, monitor port and store survive restarts."""

    def __init__(
        self,
        work_dir: Path,
        *,
        template: ConfigTemplate = generated_config,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        http_port: int | None = None,
        passwords: Mapping[str, str] | None = None,
    ) -> None:
        version = server_version()
        if version < MIN_VERSION:
            raise RuntimeError(f"nats-server {version} is older than {MIN_VERSION}")
        self.version = version
        self.work_dir = work_dir
        self.store_dir = work_dir / "store"
        self.config_path = work_dir / "nats.conf"
        self.log_path = work_dir / "nats-server.log"
        self.port = port or free_port()
        self.http_port = http_port or free_port()
        # Ports we chose may be taken by a neighbour before the first start; then we choose again.
        self._may_repick = port is None and http_port is None
        # Random per run: no test credential is ever committed or reused.
        self.passwords = dict(passwords or {u: new_password() for u in USERS})
        self._template = template
        self._extra_env = dict(env or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._paused = False

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def credentials(self) -> dict[str, tuple[str, str]]:
        return {user: (user, pw) for user, pw in self.passwords.items()}

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def config_text(self) -> str:
        return self._template(self.port, self.http_port, self.store_dir, self.passwords)

    def start(self, *, wait: bool = True, timeout: float = 15.0) -> None:
        for _ in range(3):
            try:
                self._spawn(wait=wait, timeout=timeout)
            except RuntimeError:
                if not (self._may_repick and "address already in use" in self.log_tail()):
                    raise
                self.kill()
                self.port, self.http_port = free_port(), free_port()
            else:
                # From here on the port is the broker's identity: restarts keep it.
                self._may_repick = False
                return
        raise RuntimeError(f"no free port for nats-server:\n{self.log_tail()}")

    def _spawn(self, *, wait: bool, timeout: float) -> None:
        if self.running:
            raise RuntimeError("nats-server is already running")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config_text(), encoding="utf-8")
        # Shipped configs read passwords from the environment; generated ones ignore these.
        env = {**os.environ, **{password_env(u): pw for u, pw in self.passwords.items()}}
        env.update(self._extra_env)
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [str(NATS_SERVER), "-c", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.work_dir,
            )
        _STARTED.add(self._proc)
        self._paused = False
        if wait:
            self.wait_ready(timeout=timeout)

    def wait_ready(self, *, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise RuntimeError(f"nats-server exited early:\n{self.log_tail()}")
            try:
                with _HTTP.open(f"{self.monitor_url}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"nats-server not ready after {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def monitor(self, endpoint: str) -> dict[str, Any]:
        with _HTTP.open(f"{self.monitor_url}/{endpoint}", timeout=5) as r:
            data: dict[str, Any] = json.load(r)
            return data

    def _signal(self, sig: signal.Signals) -> None:
        if self.running:
            assert self._proc is not None
            os.kill(self._proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL our own process, as a crash would."""
        if self._proc is None:
            return
        self._signal(signal.SIGKILL)
        self._proc.wait(timeout=10)
        _STARTED.discard(self._proc)
        self._proc = None
        self._paused = False

    def restart(self, *, wait: bool = True) -> None:
        self.kill()
        self.start(wait=wait)

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)
        self._paused = True
        # kill() returns before every thread has stopped; a paused broker must answer nothing.
        self._wait_status(stopped=True)

    def resume(self) -> None:
        if self._paused:
            self._signal(signal.SIGCONT)
            self._paused = False
            self._wait_status(stopped=False)

    def _wait_status(self, *, stopped: bool, timeout: float = 5.0) -> None:
        if not self.running or self.pid is None:
            return
        # Every thread, not just the main one: Go serves clients from any of them.
        threads = [psutil.Process(t.id) for t in psutil.Process(self.pid).threads()]
        deadline = time.monotonic() + timeout
        while any(_is_stopped(t) not in (stopped, None) for t in threads):
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server did not {'stop' if stopped else 'continue'}")
            time.sleep(0.01)

    def wipe_store(self) -> None:
        shutil.rmtree(self.store_dir, ignore_errors=True)

    def stop(self) -> None:
        # Resume before killing (RELIABILITY.md 5) so a paused broker never outlives the run.
        self.resume()
        self.kill()

    async def connect(self, user: str, **options: Any) -> NATS:
        """A client as `user`, with the inbox prefix its permissions allow."""
        password = self.passwords[user]
        settings: dict[str, Any] = {
            "servers": [self.url],
            "user": user,
            "password": password,
            "inbox_prefix": inbox_prefix(user).encode(),
            "connect_timeout": 2,
            "reconnect_time_wait": 0.25,
            "max_reconnect_attempts": 40,
        }
        settings.update(options)
        nc: NATS = await nats.connect(**settings)
        return nc


async def reset_streams(
    js: JetStreamContext, *, test_overrides: TestOverrides = FAST_TESTS
) -> None:
    """Delete every stream, then provision the declarations afresh (as `ops`)."""
    for info in await js.streams_info():
        name = info.config.name
        if name is None:
            continue
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(name)
    # nats-server removes a deleted stream's store in the background: re-creating it at once can
    # fail with 500 "error creating store for stream" (err_code 10049). Provisioning is
    # idempotent, so try again shortly.
    for attempt in range(10):
        try:
            await provision(js, test_overrides=test_overrides)
            return
        except ServerError:
            if attempt == 9:
                raise
            await asyncio.sleep(0.1 * (attempt + 1))


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def clean_streams(nats_server: NatsServer) -> NatsServer:
    """The session broker, running, with exactly the declared streams and durables, all empty."""
    # A test that paused or killed the shared broker must not break the next one.
    nats_server.resume()
    if not nats_server.running:
        nats_server.start()
    nc = await nats_server.connect(OPS)
    try:
        await reset_streams(nc.jetstream(timeout=5))
    finally:
        await nc.close()
    return nats_server


@pytest.fixture
async def jetstream_ops(clean_streams: NatsServer) -> AsyncIterator[JetStreamContext]:
    """A JetStream context as `ops` over freshly provisioned streams."""
    nc = await clean_streams.connect(OPS)
    try:
        yield nc.jetstream(timeout=5)
    finally:
        await nc.close()
