"""The NATS connection of a service: connects in the background, reconnects forever, reports its state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from shared.aio import cancel_and_wait

logger = logging.getLogger(__name__)


class Broker:
    """Owns one NATS connection; HTTP never waits for it (RELIABILITY.md R5, R6)."""

    def __init__(
        self,
        *,
        service: str,
        url: str,
        user: str | None,
        password: str | None,
        reconnect_wait_s: float = 0.5,
    ) -> None:
        self.service = service
        self.url = url
        self.user = user
        self.password = password
        self.reconnect_wait_s = reconnect_wait_s
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.state = "connecting"
        self.connected = asyncio.Event()
        self.callbacks: dict[str, int] = {}
        self.permission_errors: list[str] = []
        self._task: asyncio.Task[None] | None = None

    def _count(self, name: str) -> None:
        self.callbacks[name] = self.callbacks.get(name, 0) + 1

    async def _on_error(self, exc: Exception) -> None:
        self._count("error")
        if "permissions violation" in str(exc).lower():
            self.permission_errors.append(type(exc).__name__)
        logger.warning("nats error", extra={"error_type": type(exc).__name__})

    async def _on_disconnected(self) -> None:
        self._count("disconnected")
        self.state = "disconnected"
        self.connected.clear()
        logger.warning("nats disconnected")

    async def _on_reconnected(self) -> None:
        self._count("reconnected")
        self.state = "connected"
        self.connected.set()
        logger.info("nats reconnected")

    async def _on_closed(self) -> None:
        self._count("closed")
        self.state = "closed"
        self.connected.clear()

    async def _connect_forever(self) -> None:
        delay = self.reconnect_wait_s
        while True:
            try:
                options: dict[str, Any] = {
                    "servers": [u.strip() for u in self.url.split(",") if u.strip()],
                    "name": self.service,
                    "max_reconnect_attempts": -1,
                    "reconnect_time_wait": self.reconnect_wait_s,
                    "ping_interval": 10,
                    "max_outstanding_pings": 3,
                    "connect_timeout": 2,
                    "allow_reconnect": True,
                    "inbox_prefix": f"_INBOX_{self.service}".encode(),
                    "error_cb": self._on_error,
                    "disconnected_cb": self._on_disconnected,
                    "reconnected_cb": self._on_reconnected,
                    "closed_cb": self._on_closed,
                }
                if self.user:
                    options["user"] = self.user
                    options["password"] = self.password or ""
                # With max_reconnect_attempts=-1 the initial connect itself waits for the broker.
                nc = await nats.connect(**options)
                self.nc = nc
                self.js = nc.jetstream(timeout=5)
                self.state = "connected"
                self.connected.set()
                logger.info("nats connected")
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._count("connect_failed")
                logger.info("nats not reachable yet", extra={"error_type": type(exc).__name__})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def start(self) -> None:
        self._task = asyncio.create_task(
            self._connect_forever(), name=f"{self.service}-nats-connect"
        )

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        if self.nc is not None and not self.nc.is_closed:
            # Publishes are awaited for their PubAck and pulls are acked one by one, so nothing is
            # pending here: close without a drain, which waits on a dead broker.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.close(), timeout=2)
        self.state = "closed"

    @property
    def is_connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected
