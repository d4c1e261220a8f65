"""The shipped 3-node configs form a JetStream cluster that stores an R3 stream and serves it."""

from __future__ import annotations

from shared.messaging.nats_config import OPS
from shared.messaging.provision import FAST_TESTS, provision
from shared.messaging.streams import DURABLES
from shared.testing.nats import NatsServer


async def test_shipped_cluster_replicates_and_delivers(nats_cluster: list[NatsServer]) -> None:
    first, second, third = nats_cluster
    for node in nats_cluster:
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
