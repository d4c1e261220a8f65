"""A TCP fault proxy on 127.0.0.1 (RELIABILITY.md 5): pass traffic, cut it, or black-hole it.

It is the only way to fake a database outage, since the shared PostgreSQL is never stopped.
`cut()` closes every open connection and refuses new ones (the server is gone); `blackhole()`
keeps connections open and forwards nothing (the network is gone); `restore()` passes again.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from shared.testing.nats import free_port

CHUNK = 65536


@dataclass
class FaultProxy:
    upstream_host: str
    upstream_port: int
    port: int = field(default_factory=free_port)
    mode: str = "pass"  # "pass", "cut" or "blackhole"
    connections: int = 0
    _server: asyncio.Server | None = None
    _open: set[asyncio.StreamWriter] = field(default_factory=set)
    _flowing: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        self._flowing.set()
        await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def stop(self) -> None:
        await self._close_listener()
        self._drop_all()

    async def cut(self) -> None:
        """Close every connection and refuse new ones: connects fail at once."""
        self.mode = "cut"
        await self._close_listener()
        self._drop_all()

    def blackhole(self) -> None:
        """Forward nothing, in either direction, on old and new connections alike."""
        self.mode = "blackhole"
        self._flowing.clear()

    async def restore(self) -> None:
        """Pass traffic again; after a black hole the stalled connections resume."""
        if self.mode == "cut":
            await self._listen()
        self.mode = "pass"
        self._flowing.set()

    async def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _drop_all(self) -> None:
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "cut":
            writer.transport.abort()
            return
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            writer.transport.abort()
            return
        self._open.update((writer, up_writer))
        try:
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._open.discard(w)
                w.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                await self._flowing.wait()
                if writer.transport.is_closing():
                    break
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
