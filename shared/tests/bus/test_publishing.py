"""The outbox and relay: every committed event reaches the stream once, through crashes and outages (T2, T6)."""

from __future__ import annotations

import zlib

import pytest
from nats.js import JetStreamContext

from shared import faults
from shared.faults import SimulatedCrash
from shared.messaging.relay import OutboxRelay
from shared.runtime.service import ServiceRuntime
from shared.testing.inspect import count_rows, stream_messages
from shared.testing.payloads import household_registration
from shared.testing.services import DevKeys, RunningService, ServiceStarter
from shared.testing.waiting import wait_until

REGISTERED = "registry.household.registered.v1"


def household(ref: str) -> dict[str, object]:
    return household_registration(zlib.crc32(ref.encode()))


async def register(registry: RunningService, keys: DevKeys, ref: str) -> int:
    headers = {**keys.headers("caseworker"), "Idempotency-Key": ref}
    response = await registry.client.post("/v1/households", json=household(ref), headers=headers)
    return response.status_code


async def fresh_relay(runtime: ServiceRuntime) -> OutboxRelay:
    """A relay rebuilt over the same database, as after a process restart."""
    await runtime.relay.stop()  # collects the crashed task
    s = runtime.settings
    relay = OutboxRelay(
        service=s.service_name,
        db=runtime.db,
        broker=runtime.broker,
        poll_s=s.relay_poll_s,
        publish_timeout_s=s.publish_timeout_s,
        backoff_base_s=s.relay_backoff_base_s,
        backoff_cap_s=s.relay_backoff_cap_s,
    )
    runtime.relay = relay
    relay.start()
    return relay


async def drained(runtime: ServiceRuntime) -> None:
    async def empty() -> bool:
        return (await runtime.relay.backlog()).count == 0

    await wait_until(empty)


async def test_a_service_without_broker_accepts_writes_and_reports_degraded(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("registry", broker=False) as registry:
        assert await register(registry, dev_keys, "T6-1") == 201
        ready = await registry.client.get("/ready")
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "degraded"
        assert body["broker"] != "connected"
        assert body["outbox_backlog"] == await count_rows(registry, "outbox_event") > 0
        assert (await registry.client.get("/health")).status_code == 200


async def test_crash_after_commit_keeps_the_write_and_its_event_once(
    start_service: ServiceStarter, dev_keys: DevKeys, jetstream_ops: JetStreamContext
) -> None:
    async with start_service("registry") as registry:
        # The first commit is the idempotency reservation, the second the household and its outbox row.
        faults.arm("uow.after_commit", nth=2)
        with pytest.raises(SimulatedCrash):
            await register(registry, dev_keys, "T2-commit")
        faults.disarm()
        # The client retries with the same key: the stored answer, no second household.
        headers = {**dev_keys.headers("caseworker"), "Idempotency-Key": "T2-commit"}
        retry = await registry.client.post(
            "/v1/households", json=household("T2-commit"), headers=headers
        )
        assert retry.status_code == 201
        assert retry.headers["idempotent-replayed"] == "true"
        await drained(registry.runtime)
        assert await count_rows(registry, "household") == 1
        messages = await stream_messages(jetstream_ops, "REGISTRY")
        assert len(messages) == await count_rows(registry, "outbox_event")  # every event once
        registered = [p["household_id"] for s, p, _ in messages if s == REGISTERED]
        assert registered == [retry.json()["id"]]


@pytest.mark.parametrize("point", ["relay.before_publish", "relay.after_puback_before_mark"])
async def test_relay_crash_republishes_without_a_stored_duplicate(
    point: str, start_service: ServiceStarter, dev_keys: DevKeys, jetstream_ops: JetStreamContext
) -> None:
    async with start_service("registry") as registry:
        faults.arm(point)
        assert await register(registry, dev_keys, f"T2-{point}") == 201

        async def relay_died() -> bool:
            task = registry.runtime.relay._task
            return task is not None and task.done()

        await wait_until(relay_died)
        emitted = await count_rows(registry, "outbox_event")
        assert (await registry.runtime.relay.backlog()).count == emitted  # committed, not marked
        faults.disarm()
        await fresh_relay(registry.runtime)
        await drained(registry.runtime)
        messages = await stream_messages(jetstream_ops, "REGISTRY")
        assert len(messages) == emitted  # the re-publish was de-duplicated by Nats-Msg-Id
        assert len({p["event_id"] for _, p, _ in messages}) == emitted
        assert messages[0][0] == REGISTERED
        for _, payload, headers in messages:
            assert headers["Nats-Msg-Id"] == payload["event_id"]


async def test_events_committed_during_an_outage_are_published_in_order_after_it(
    start_service: ServiceStarter, dev_keys: DevKeys, jetstream_ops: JetStreamContext
) -> None:
    async with start_service("registry") as registry:
        await registry.runtime.broker.connected.wait()
        registry.runtime.broker.js = None  # the relay sees no broker, as during an outage
        for i in range(5):
            assert await register(registry, dev_keys, f"T6-order-{i}") == 201
        assert (await registry.runtime.relay.backlog()).count == await count_rows(
            registry, "outbox_event"
        )
        assert registry.runtime.broker.nc is not None
        registry.runtime.broker.js = registry.runtime.broker.nc.jetstream(timeout=5)
        await drained(registry.runtime)
        refs = []
        for subject, payload, _ in await stream_messages(jetstream_ops, "REGISTRY"):
            if subject == REGISTERED:
                refs.append(payload["household_id"])
        assert len(refs) == 5
        listed = await registry.client.get("/v1/households", headers=dev_keys.headers("caseworker"))
        by_id = {h["id"]: h["reference"] for h in listed.json()["items"]}
        assert [by_id[r] for r in refs] == [
            household(f"T6-order-{i}")["reference"] for i in range(5)
        ]
