"""The broker harness itself: SIGKILL, restart on the same port and store, pause, wipe."""

from __future__ import annotations

import sysconfig
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from nats.errors import FlushTimeoutError
from nats.js.errors import NotFoundError

from shared.messaging.nats_config import OPS
from shared.messaging.provision import FAST_TESTS, provision
from shared.testing.nats import MIN_VERSION, NATS_SERVER, NatsServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    s = NatsServer(tmp_path)
    s.start()
    try:
        yield s
    finally:
        s.stop()
    assert not s.running


def test_runs_the_venv_binary_on_loopback(server: NatsServer) -> None:
    assert Path(sysconfig.get_path("scripts")) / "nats-server" == NATS_SERVER
    assert server.version >= MIN_VERSION
    assert server.port != 4222
    assert server.url == f"nats://127.0.0.1:{server.port}"
    varz = server.monitor("varz")
    assert varz["host"] == "127.0.0.1"
    assert varz["jetstream"]["config"]["sync_always"] is True
    assert set(server.credentials) == {"registry", "landlords", "matching", "notifications", OPS}
    assert server.pid is not None
    listening = [
        c.laddr
        for c in psutil.Process(server.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert sorted(a.port for a in listening) == sorted((server.port, server.http_port))
    assert {a.ip for a in listening} == {"127.0.0.1"}


async def test_an_acked_publish_survives_sigkill_and_restart(server: NatsServer) -> None:
    ops = await server.connect(OPS)
    await provision(ops.jetstream(timeout=5), test_overrides=FAST_TESTS)
    await ops.close()
    registry = await server.connect("registry", allow_reconnect=False)
    ack = await registry.jetstream(timeout=5).publish(
        "registry.probe.sent.v1", b"{}", headers={"Nats-Msg-Id": "m1"}
    )
    await registry.close()
    port, pid = server.port, server.pid

    server.kill()
    assert not server.running
    server.restart()
    assert (server.port, server.running) == (port, True)
    assert server.pid != pid

    ops = await server.connect(OPS)
    try:
        js = ops.jetstream(timeout=5)
        assert (await js.stream_info("REGISTRY")).state.last_seq == ack.seq
        registry = await server.connect("registry", allow_reconnect=False)
        again = await registry.jetstream(timeout=5).publish(
            "registry.probe.sent.v1", b"{}", headers={"Nats-Msg-Id": "m1"}
        )
        assert again.duplicate  # the de-dup state survived too (RELIABILITY.md 1.3)
        await registry.close()

    finally:
        await ops.close()

    server.kill()
    server.wipe_store()
    server.start()
    ops = await server.connect(OPS)
    try:
        with pytest.raises(NotFoundError):
            await ops.jetstream(timeout=5).stream_info("REGISTRY")
    finally:
        await ops.close()


async def test_pause_stops_answers_until_resume(server: NatsServer) -> None:
    nc = await server.connect(OPS, allow_reconnect=False)
    server.pause()
    try:
        with pytest.raises(FlushTimeoutError):
            await nc.flush(timeout=1)
    finally:
        server.resume()
        # nats-py breaks a client whose flush timed out (a late PONG hits a cancelled future).
        await nc.close()
    fresh = await server.connect(OPS)
    await fresh.flush(timeout=5)
    await fresh.close()
