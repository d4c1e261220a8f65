"""`agency streams`: provision every declared stream and durable as the `ops` user."""

from __future__ import annotations

import asyncio
import time

import nats

from shared.messaging.provision import provision


async def _quiet(_exc: Exception) -> None:
    """nats-py prints a traceback for every refused connect by default; the broker is still starting."""


async def provision_streams(
    url: str, *, user: str, password: str, wait_s: float, replicas: int = 1
) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            nc = await nats.connect(
                servers=[url],
                user=user,
                password=password,
                inbox_prefix=b"_INBOX_ops",
                connect_timeout=1,
                max_reconnect_attempts=0,
                allow_reconnect=False,
                error_cb=_quiet,
            )
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
    try:
        await provision(nc.jetstream(timeout=5), replicas=replicas)
    finally:
        await nc.close()
