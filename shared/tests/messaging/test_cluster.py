"""The shipped 3-node configs form a JetStream cluster that stores an R3 stream and serves it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from shared.messaging.nats_config import NODES, OPS, USERS, new_password, route_env
from shared.messaging.provision import FAST_TESTS, provision
from shared.messaging.streams import DURABLES
from shared.testing.nats import ConfigTemplate, NatsServer, free_port

DEPLOY_NATS = Path(__file__).resolve().parents[3] / "deploy" / "nats"


def _node_template(node: int, cluster_port: int) -> ConfigTemplate:
    def template(port: int, http_port: int, store_dir: Path, _pw: Mapping[str, str]) -> str:
        text = (DEPLOY_NATS / f"nats-{node}.conf").read_text()
        # Containers listen on fixed ports; on one host each node gets free loopback ports.
        for old, new in (
            ('"0.0.0.0:4222"', f'"127.0.0.1:{port}"'),
            ('"0.0.0.0:8222"', f'"127.0.0.1:{http_port}"'),
            ('"0.0.0.0:6222"', f'"127.0.0.1:{cluster_port}"'),
            ('"/data/jetstream"', f'"{store_dir}"'),
        ):
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        return text

    return template


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[NatsServer]]:
    route_password = new_password()
    passwords = {u: new_password() for u in USERS}
    cluster_ports = [free_port() for _ in range(NODES)]
    env = {"ROUTE_NATS_PASSWORD": route_password}
    for n, cport in enumerate(cluster_ports, start=1):
        env[route_env(n)] = f"nats-route://route:{route_password}@127.0.0.1:{cport}"
    nodes = [
        NatsServer(
            tmp_path / f"nats-{n}",
            template=_node_template(n, cport),
            env=env,
            passwords=passwords,
        )
        for n, cport in enumerate(cluster_ports, start=1)
    ]
    try:
        for node in nodes:
            node.start(wait=False)
        for node in nodes:
            node.wait_ready(timeout=30)
        yield nodes
    finally:
        for node in nodes:
            node.stop()


async def test_shipped_cluster_replicates_and_delivers(cluster: list[NatsServer]) -> None:
    first, second, third = cluster
    for node in cluster:
        varz = node.monitor("varz")
        assert varz["jetstream"]["config"]["sync_always"] is True
        assert varz["cluster"]["name"] == "agency"
    ops = await first.connect(OPS)
    # Publish through one node and consume through another: the data crosses the routes.
    registry = await second.connect("registry")
    matching = await third.connect("matching")
    try:
        js_ops = ops.jetstream(timeout=10)
        await provision(js_ops, replicas=3, test_overrides=FAST_TESTS)
        info = await js_ops.stream_info("REGISTRY")
        assert info.config.num_replicas == 3
        assert info.cluster is not None
        assert len(info.cluster.replicas or []) == 2

        durable = next(d for d in DURABLES if d.name == "matching-registry")
        sent = []
        for i in range(20):
            ack = await registry.jetstream(timeout=10).publish(
                durable.subjects[0], f"{i}".encode(), headers={"Nats-Msg-Id": f"e{i}"}
            )
            assert not ack.duplicate
            sent.append(f"{i}".encode())

        js = matching.jetstream(timeout=10)
        sub = await js.pull_subscribe_bind(durable=durable.name, stream=durable.stream)
        got: list[bytes] = []
        for _ in range(10):
            if len(got) >= len(sent):
                break
            for msg in await sub.fetch(10, timeout=5):
                got.append(msg.data)
                await msg.ack_sync(timeout=5)
        assert got == sent
        state = (await js_ops.stream_info("REGISTRY")).state
        assert state.messages == len(sent)
    finally:
        for nc in (ops, registry, matching):
            await nc.close()
