"""A real 3-node JetStream cluster on loopback, from the shipped deploy/nats configs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from shared.messaging.nats_config import NODES, USERS, new_password, route_env
from shared.testing.nats import ConfigTemplate, NatsServer, free_port

DEPLOY_NATS = Path(__file__).resolve().parents[4] / "deploy" / "nats"


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


def cluster_nodes(work_dir: Path) -> list[NatsServer]:
    """Three nodes sharing users and route credentials, not yet started."""
    route_password = new_password()
    passwords = {u: new_password() for u in USERS}
    cluster_ports = [free_port() for _ in range(NODES)]
    env = {"ROUTE_NATS_PASSWORD": route_password}
    for n, cport in enumerate(cluster_ports, start=1):
        env[route_env(n)] = f"nats-route://route:{route_password}@127.0.0.1:{cport}"
    return [
        NatsServer(
            work_dir / f"nats-{n}", template=_node_template(n, cport), env=env, passwords=passwords
        )
        for n, cport in enumerate(cluster_ports, start=1)
    ]


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[list[NatsServer]]:
    nodes = cluster_nodes(tmp_path)
    try:
        for node in nodes:
            node.start(wait=False)
        for node in nodes:
            node.wait_ready(timeout=30)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
