"""T15: a service user is refused everything outside its own subjects and durables (§3.3)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from shared.messaging.nats_config import OPS, inbox_prefix
from shared.messaging.streams import DURABLES, SERVICES, STREAMS, durables_of
from shared.testing.nats import NatsServer

OTHER_DURABLE = {svc: next(d for d in DURABLES if d.service != svc) for svc in SERVICES}


@dataclass
class Client:
    """A connection that records the permission violations the server reports."""

    user: str
    nc: NATS
    violations: list[str] = field(default_factory=list)
    received: list[Msg] = field(default_factory=list)

    async def expect_refused(self, action: str, subject: str) -> None:
        before = len(self.violations)
        if action == "publish":
            # A reply subject we may read, so a reply would be counted if anything answered.
            await self.nc.publish(subject, b"{}", reply=f"{inbox_prefix(self.user)}.probe")
        else:
            await self.nc.subscribe(subject, cb=self._collect)
        await self.nc.flush(timeout=2)
        # The server sends -ERR before the PONG that ends flush(), so it has arrived by now.
        for _ in range(20):
            if len(self.violations) > before:
                break
            await asyncio.sleep(0.01)
        new = self.violations[before:]
        kind = "publish" if action == "publish" else "subscription"
        expected = f'permissions violation for {kind} to "{subject}"'.lower()
        assert any(expected == v.lower().removeprefix("nats: ") for v in new), (
            f"{self.user} was allowed to {action} {subject}"
        )

    async def _collect(self, msg: Msg) -> None:
        self.received.append(msg)


async def _client(server: NatsServer, user: str) -> Client:
    holder: list[Client] = []

    async def on_error(exc: Exception) -> None:
        holder[0].violations.append(str(exc))

    nc = await server.connect(user, error_cb=on_error, allow_reconnect=False)
    client = Client(user, nc)
    holder.append(client)
    # Every reply to a probe would land here: it must stay empty.
    await nc.subscribe(f"{inbox_prefix(user)}.probe", cb=client._collect)
    return client


async def _stream_counts(js_ops: NATS) -> dict[str, tuple[int, int]]:
    js = js_ops.jetstream(timeout=5)
    counts = {}
    for spec in STREAMS:
        info = await js.stream_info(spec.name)
        counts[spec.name] = (info.state.messages, info.state.consumer_count)
    return counts


@pytest.mark.parametrize("svc", SERVICES)
async def test_t15_service_is_refused_outside_its_permissions(
    clean_streams: NatsServer, svc: str
) -> None:
    ops = await clean_streams.connect(OPS)
    me = await _client(clean_streams, svc)
    others = [s for s in SERVICES if s != svc]
    other_clients = {o: await _client(clean_streams, o) for o in others}
    try:
        # One message in each stream, so a purge or a read would show.
        for o, c in {svc: me, **other_clients}.items():
            await c.nc.jetstream(timeout=5).publish(f"{o}.probe.seeded.v1", b"{}")
        before = await _stream_counts(ops)

        publishes = []
        for o in others:
            publishes += [f"{o}.household.registered.v1", f"audit.{o}.head", f"_INBOX_{o}.x"]
        foreign = OTHER_DURABLE[svc]
        publishes += [
            "$JS.API.CONSUMER.CREATE.REGISTRY.evil",
            f"$JS.API.CONSUMER.DURABLE.CREATE.REGISTRY.{svc}-evil",
            f"$JS.API.CONSUMER.CREATE.{foreign.stream}",
            f"$JS.API.CONSUMER.MSG.NEXT.{foreign.stream}.{foreign.name}",
            f"$JS.API.CONSUMER.INFO.{foreign.stream}.{foreign.name}",
            f"$JS.API.CONSUMER.DELETE.{foreign.stream}.{foreign.name}",
            f"$JS.ACK.{foreign.stream}.{foreign.name}.1.1.1.1.0",
            "$JS.API.STREAM.MSG.GET.REGISTRY",
            "$JS.API.DIRECT.GET.REGISTRY",
            "$JS.API.DIRECT.GET.REGISTRY.registry.probe.seeded.v1",
            "$JS.API.STREAM.INFO.REGISTRY",
            "$JS.API.STREAM.NAMES",
            "$JS.API.INFO",
        ]
        for spec in STREAMS:
            publishes += [
                f"$JS.API.STREAM.PURGE.{spec.name}",
                f"$JS.API.STREAM.DELETE.{spec.name}",
                f"$JS.API.STREAM.UPDATE.{spec.name}",
            ]
        for d in durables_of(svc):  # even its own durables cannot be reshaped
            publishes += [
                f"$JS.API.CONSUMER.DURABLE.CREATE.{d.stream}.{d.name}",
                f"$JS.API.CONSUMER.DELETE.{d.stream}.{d.name}",
            ]
        subscribes = [f"{o}.>" for o in others] + [f"_INBOX_{o}.>" for o in others]
        subscribes += [">", "$JS.EVENT.ADVISORY.>", f"$JS.ACK.{foreign.stream}.>"]

        for subject in publishes:
            await me.expect_refused("publish", subject)
        for subject in subscribes:
            await me.expect_refused("subscribe", subject)

        # Traffic the refused subscriptions would have seen: other services publishing with PubAck.
        for o, c in other_clients.items():
            await c.nc.jetstream(timeout=5).publish(f"{o}.probe.after.v1", b"{}")
        await me.nc.flush(timeout=2)
        await asyncio.sleep(0.2)

        attempts = len(publishes) + len(subscribes)
        refused = sum("permissions violation for" in v.lower() for v in me.violations)
        assert refused == attempts  # 100 %
        assert me.received == []
        after = await _stream_counts(ops)
        for name, (msgs, consumers) in before.items():
            # Exactly the later PubAck'd publishes were added; nothing was purged or created.
            added = 1 if name.lower() in others else 0
            assert after[name] == (msgs + added, consumers), name
        assert all(not c.violations for c in other_clients.values())
    finally:
        for c in (me, *other_clients.values()):
            await c.nc.close()
        await ops.close()


async def test_t15_services_publish_with_puback_and_read_their_own_durables(
    clean_streams: NatsServer,
) -> None:
    clients = {svc: await _client(clean_streams, svc) for svc in SERVICES}
    try:
        for svc, c in clients.items():
            ack = await c.nc.jetstream(timeout=5).publish(
                f"audit.{svc}.head", b"{}", headers={"Nats-Msg-Id": f"anchor-{svc}"}
            )
            assert ack.stream == "AUDIT"
        for d in DURABLES:
            producer = clients[d.stream.lower()]
            payload = json.dumps({"durable": d.name}).encode()
            ack = await producer.nc.jetstream(timeout=5).publish(
                d.subjects[0], payload, headers={"Nats-Msg-Id": d.name}
            )
            assert ack.stream == d.stream
            assert not ack.duplicate
            consumer = clients[d.service]
            js = consumer.nc.jetstream(timeout=5)
            await consumer.nc.subscribe(
                f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{d.stream}.{d.name}"
            )
            sub = await js.pull_subscribe_bind(durable=d.name, stream=d.stream)
            # CONSUMER.INFO is allowed; num_pending may lag the PubAck, so it is not checked.
            assert (await js.consumer_info(d.stream, d.name)).name == d.name
            msgs = await sub.fetch(10, timeout=2)
            assert payload in [m.data for m in msgs]
            for m in msgs:
                await m.ack_sync(timeout=2)
            await sub.unsubscribe()
        for svc, c in clients.items():
            await c.nc.flush(timeout=2)
            assert c.violations == [], svc
            assert c.received == []
    finally:
        for c in clients.values():
            await c.nc.close()
