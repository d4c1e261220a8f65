"""Consumers: redeliveries, duplicates, crashes and poison messages never double or lose an effect (T2, T4, T10)."""

from __future__ import annotations

import base64
import json
import random
import uuid
import zlib
from datetime import UTC, datetime

from nats.js import JetStreamContext
from sqlalchemy import select

from shared import faults
from shared.events.registry import HouseholdRegistered
from shared.messaging.consumer import Consumer
from shared.testing.inspect import count_rows, rows, stream_messages
from shared.testing.nats import NatsServer
from shared.testing.payloads import household_registration
from shared.testing.services import DevKeys, RunningService, ServiceStarter
from shared.testing.waiting import wait_until


async def register_many(registry: RunningService, keys: DevKeys, n: int, prefix: str) -> None:
    headers = keys.headers("caseworker")
    offset = zlib.crc32(prefix.encode()) % 10_000 * 1000
    for i in range(n):
        body = household_registration(offset + i)
        response = await registry.client.post(
            "/v1/households", json=body, headers={**headers, "Idempotency-Key": f"{prefix}-{i}"}
        )
        assert response.status_code == 201, response.text


async def republish_with_fresh_ids(
    server: NatsServer, messages: list[tuple[str, dict[str, object], dict[str, str]]]
) -> None:
    """Inject every message again as the registry would after its de-dup window: same event, new Nats-Msg-Id."""
    nc = await server.connect("registry")
    try:
        js = nc.jetstream(timeout=5)
        for subject, payload, _ in messages:
            await js.publish(
                subject, json.dumps(payload).encode(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
            )
    finally:
        await nc.close()


async def rebuilt(old: Consumer) -> Consumer:
    """The same durable consumed by a fresh process."""
    await old.stop()  # collects the crashed task
    consumer = Consumer(
        durable=old.durable,
        subscriptions=list(old.handlers.values()),
        db=old.db,
        broker=old.broker,
        tuning=old.tuning,
    )
    consumer.start()
    return consumer


def consumer_of(service: RunningService, durable: str) -> Consumer:
    return next(c for c in service.runtime.consumers if c.durable.name == durable)


async def test_redelivery_storm_has_one_effect_per_event(
    start_service: ServiceStarter,
    dev_keys: DevKeys,
    jetstream_ops: JetStreamContext,
    clean_streams: NatsServer,
) -> None:
    async with (
        start_service("registry") as registry,
        start_service("matching") as matching,
        start_service("notifications") as notifications,
    ):
        await register_many(registry, dev_keys, 100, "T4")

        async def published() -> bool:
            return (await registry.runtime.relay.backlog()).count == 0

        await wait_until(published)
        originals = await stream_messages(jetstream_ops, "REGISTRY")
        assert len(originals) == 100
        # 30 % of events fail their first two handler runs: nak with a delay, then succeed.
        rng = random.Random(4)
        for _, payload, _ in rng.sample(originals, 30):
            faults.fail_first("consumer.handler", str(payload["event_id"]), times=2)
        await republish_with_fresh_ids(clean_streams, originals)

        async def all_consumed() -> bool:
            m = consumer_of(matching, "matching-registry")
            n = consumer_of(notifications, "notifications-registry")
            # Every original and every copy seen; under load an ack can also arrive after
            # ack_wait, so a delivery can come back once more: duplicates may exceed the copies.
            return all(c.processed == 100 and c.duplicates >= 100 for c in (m, n))

        await wait_until(all_consumed, within=30)
        assert await count_rows(matching, "household_profile") == 100
        messages = await rows(notifications, "message")
        # One row per event and channel its message kind uses (email and SMS), never per copy.
        assert len({m["event_id"] for m in messages}) == 100
        assert len(messages) == 200
        assert consumer_of(matching, "matching-registry").processed == 100
        assert await count_rows(matching, "dead_letter") == 0
        assert await count_rows(notifications, "dead_letter") == 0
        info = await jetstream_ops.consumer_info("REGISTRY", "matching-registry")
        assert info.num_pending == 0


async def test_poison_messages_end_in_one_dead_letter_each_and_block_nothing(
    start_service: ServiceStarter,
    dev_keys: DevKeys,
    jetstream_ops: JetStreamContext,
    clean_streams: NatsServer,
) -> None:
    async with start_service("registry") as registry, start_service("matching") as matching:
        raiser = HouseholdRegistered(
            household_id=uuid.uuid4(), entity_version=1, size=2, application_time=datetime.now(UTC)
        )
        faults.fail_always("consumer.handler", str(raiser.event_id))
        nc = await clean_streams.connect("registry")
        js = nc.jetstream(timeout=5)
        poison = [
            ("registry.household.registered.v1", b"{not json"),
            (
                "registry.household.registered.v1",
                json.dumps({"event_id": str(uuid.uuid4()), "size": "big"}).encode(),
            ),
            (
                "registry.household.registered.v9",
                raiser.model_dump_json().replace(str(raiser.event_id), str(uuid.uuid4())).encode(),
            ),
            ("registry.household.registered.v1", raiser.model_dump_json().encode()),
        ]
        for i, (subject, data) in enumerate(poison):
            await js.publish(subject, data, headers={"Nats-Msg-Id": f"poison-{i}"})
        await nc.close()
        await register_many(registry, dev_keys, 100, "T10")

        async def settled() -> bool:
            return (
                await count_rows(matching, "household_profile") == 100
                and await count_rows(matching, "dead_letter") == 4
            )

        await wait_until(settled, within=30)
        letters = await rows(matching, "dead_letter")
        assert sorted(dl["error_code"] for dl in letters) == sorted(
            ["unparseable", "schema_invalid", "unknown_subject", "max_deliver"]
        )
        by_code = {dl["error_code"]: dl for dl in letters}
        assert by_code["unparseable"]["num_delivered"] == 1
        assert by_code["max_deliver"]["num_delivered"] == matching.runtime.settings.max_deliver
        assert by_code["max_deliver"]["event_id"] == str(raiser.event_id)
        info = await jetstream_ops.consumer_info("REGISTRY", "matching-registry")
        assert info.num_pending == 0
        assert info.num_ack_pending == 0


async def test_crash_between_commit_and_ack_is_absorbed_by_the_inbox(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("registry") as registry, start_service("matching") as matching:
        faults.arm("consumer.after_commit_before_ack")
        await register_many(registry, dev_keys, 1, "T2-ack")
        old = consumer_of(matching, "matching-registry")

        async def died() -> bool:
            return old._task is not None and old._task.done()

        await wait_until(died)
        faults.disarm()
        assert await count_rows(matching, "household_profile") == 1
        fresh = await rebuilt(old)
        matching.runtime.consumers[matching.runtime.consumers.index(old)] = fresh

        async def redelivered() -> bool:
            return fresh.duplicates == 1

        await wait_until(redelivered, within=15)
        assert await count_rows(matching, "household_profile") == 1
        assert await count_rows(matching, "processed_event") == 1


async def test_crash_before_commit_leaves_nothing_and_the_redelivery_applies_it(
    start_service: ServiceStarter, dev_keys: DevKeys
) -> None:
    async with start_service("registry") as registry, start_service("matching") as matching:
        faults.arm("consumer.before_commit")
        await register_many(registry, dev_keys, 1, "T2-commit")
        old = consumer_of(matching, "matching-registry")

        async def died() -> bool:
            return old._task is not None and old._task.done()

        await wait_until(died)
        faults.disarm()
        assert await count_rows(matching, "household_profile") == 0
        fresh = await rebuilt(old)
        matching.runtime.consumers[matching.runtime.consumers.index(old)] = fresh

        async def applied() -> bool:
            return fresh.processed == 1

        await wait_until(applied, within=15)
        assert await count_rows(matching, "household_profile") == 1


async def test_an_older_version_delivered_late_does_not_overwrite_a_newer_one(
    start_service: ServiceStarter, clean_streams: NatsServer
) -> None:
    async with start_service("matching") as matching:
        household_id = uuid.uuid4()
        now = datetime.now(UTC)
        v2 = HouseholdRegistered(
            household_id=household_id, entity_version=2, size=4, application_time=now
        )
        v1 = HouseholdRegistered(
            household_id=household_id, entity_version=1, size=1, application_time=now
        )
        nc = await clean_streams.connect("registry")
        js = nc.jetstream(timeout=5)
        for event in (v2, v1):
            await js.publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(event.event_id)},
            )
        await nc.close()
        consumer = consumer_of(matching, "matching-registry")

        async def both() -> bool:
            return consumer.processed == 2

        await wait_until(both)
        from matching.models import HouseholdProfile

        async with matching.runtime.db.sessionmaker() as session:
            profile = (await session.execute(select(HouseholdProfile))).scalars().one()
        assert (profile.entity_version, profile.size) == (2, 4)


async def test_a_dead_letter_is_replayed_after_the_fix_and_only_once(
    start_service: ServiceStarter,
    dev_keys: DevKeys,
    jetstream_ops: JetStreamContext,
    clean_streams: NatsServer,
) -> None:
    async with start_service("matching") as matching:
        event = HouseholdRegistered(
            household_id=uuid.uuid4(), entity_version=1, size=3, application_time=datetime.now(UTC)
        )
        faults.fail_always("consumer.handler", str(event.event_id))  # a handler bug
        nc = await clean_streams.connect("registry")
        await nc.jetstream(timeout=5).publish(
            event.subject,
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )
        await nc.close()

        async def dead() -> bool:
            return await count_rows(matching, "dead_letter") == 1

        await wait_until(dead)
        faults.disarm()  # the fix is deployed
        supervisor = dev_keys.headers("supervisor")
        listed = (await matching.client.get("/internal/v1/deadletters", headers=supervisor)).json()
        assert [d["error_code"] for d in listed] == ["max_deliver"]
        original = await jetstream_ops.get_msg("REGISTRY", listed[0]["stream_seq"])
        body = {
            "subject": original.subject,
            "data_b64": base64.b64encode(original.data or b"").decode(),
        }
        path = f"/internal/v1/deadletters/{listed[0]['id']}/replay"
        assert (
            await matching.client.post(path, json=body, headers=dev_keys.headers("caseworker"))
        ).status_code == 403
        replayed = await matching.client.post(path, json=body, headers=supervisor)
        assert replayed.status_code == 200
        assert replayed.json()["outcome"] == "applied"
        assert await count_rows(matching, "household_profile") == 1
        again = await matching.client.post(path, json=body, headers=supervisor)
        assert again.status_code == 409
        assert (
            await matching.client.get("/internal/v1/deadletters", headers=supervisor)
        ).json() == []
