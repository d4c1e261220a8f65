"""T8: a broker started from the shipped config syncs always, runs ≥ 2.12.3, and matches §2.1."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import nats
import pytest
from nats.errors import NoServersError
from nats.js.api import AckPolicy, DiscardPolicy, StorageType

from shared.messaging.nats_config import OPS, USERS, authorization_block, shipped_configs
from shared.messaging.provision import ConsumerLimits, provision, provision_at
from shared.messaging.streams import DURABLES, STREAMS
from shared.testing.nats import MIN_VERSION, NatsServer

DEV = "nats-dev.conf"
DEV_TEXT = shipped_configs()[DEV]


def _from_shipped(port: int, http_port: int, store_dir: Path, _pw: Mapping[str, str]) -> str:
    # Only addresses and paths change; the passwords stay $VAR references resolved from the env.
    text = (Path(__file__).resolve().parents[3] / "deploy" / "nats" / DEV).read_text()
    for old, new in (
        ('"127.0.0.1:4223"', f'"127.0.0.1:{port}"'),
        ('"127.0.0.1:8223"', f'"127.0.0.1:{http_port}"'),
        ('"var/nats"', f'"{store_dir}"'),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def shipped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("t8"), template=_from_shipped)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_t8_broker_syncs_every_write_and_is_recent(shipped_server: NatsServer) -> None:
    varz = shipped_server.monitor("varz")
    assert varz["jetstream"]["config"]["sync_always"] is True
    version = tuple(int(x) for x in varz["version"].split("-")[0].split("."))
    assert version >= MIN_VERSION
    assert varz["auth_required"] is True
    assert varz["host"] == "127.0.0.1"


def test_t8_running_authorization_is_the_generated_one(shipped_server: NatsServer) -> None:
    running = shipped_server.config_path.read_text()
    assert running.endswith(authorization_block(None))
    assert DEV_TEXT.endswith(authorization_block(None))


async def test_t8_every_generated_user_and_only_those_can_log_in(
    shipped_server: NatsServer,
) -> None:
    for user in USERS:
        nc = await shipped_server.connect(user, allow_reconnect=False)
        assert nc.is_connected
        await nc.close()
    for user, password in (("registry", "wrong"), ("guest", "guest")):
        with pytest.raises((nats.errors.Error, NoServersError)):
            await nats.connect(
                shipped_server.url,
                user=user,
                password=password,
                allow_reconnect=False,
                connect_timeout=2,
                max_reconnect_attempts=0,
            )


async def test_t8_streams_and_consumers_match_the_settings_table(
    shipped_server: NatsServer,
) -> None:
    nc = await shipped_server.connect(OPS)
    try:
        js = nc.jetstream(timeout=5)
        await provision(js)
        await provision(js)  # idempotent
        for spec in STREAMS:
            cfg = (await js.stream_info(spec.name)).config
            assert cfg.storage == StorageType.FILE
            assert cfg.num_replicas == 1
            assert cfg.max_age == spec.max_age.total_seconds()
            assert cfg.duplicate_window == timedelta(minutes=2).total_seconds()
            assert cfg.discard == DiscardPolicy.NEW
            assert cfg.max_bytes == spec.max_bytes > 0
            assert cfg.deny_delete is True
            assert cfg.deny_purge is (spec.name == "AUDIT")
            assert set(cfg.subjects or ()) == set(spec.subjects)
        assert STREAMS[0].max_age == timedelta(days=7)
        production = ConsumerLimits()
        for durable in DURABLES:
            c = (await js.consumer_info(durable.stream, durable.name)).config
            assert c.durable_name == durable.name
            assert c.deliver_subject is None  # pull
            assert c.ack_policy == AckPolicy.EXPLICIT
            assert c.ack_wait == production.ack_wait.total_seconds() == 30
            assert c.max_deliver == production.max_deliver == 10
            assert c.max_ack_pending == production.max_ack_pending == 100
            assert not c.backoff
            assert set(c.filter_subjects or [c.filter_subject]) == set(durable.filter_subjects)
    finally:
        await nc.close()


async def test_provision_updates_changed_settings_in_place(clean_streams: NatsServer) -> None:
    """Fast-test settings are in place; provisioning again with production's replaces them."""
    password = clean_streams.passwords[OPS]
    nc = await clean_streams.connect(OPS)
    try:
        js = nc.jetstream(timeout=5)
        fast = await js.consumer_info("REGISTRY", "matching-registry")
        assert (fast.config.ack_wait, fast.config.max_deliver) == (1, 5)
        assert (await js.stream_info("REGISTRY")).config.max_age == 3600
        await provision_at(clean_streams.url, password=password)
        prod = await js.consumer_info("REGISTRY", "matching-registry")
        assert (prod.config.ack_wait, prod.config.max_deliver, prod.config.max_ack_pending) == (
            30,
            10,
            100,
        )
        assert (await js.stream_info("REGISTRY")).config.max_age == 7 * 24 * 3600
    finally:
        await nc.close()
