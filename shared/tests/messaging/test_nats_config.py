"""The generated nats-server config follows the declarations; the shipped files are fresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.messaging.nats_config import (
    OPS,
    USERS,
    authorization_block,
    password_env,
    permissions,
    server_config,
    shipped_configs,
    write_shipped_configs,
)
from shared.messaging.streams import DURABLES, SERVICES

DEPLOY_NATS = Path(__file__).resolve().parents[3] / "deploy" / "nats"


def test_shipped_files_equal_freshly_generated(tmp_path: Path) -> None:
    written = write_shipped_configs(tmp_path)
    assert {p.name for p in written} == {
        "nats-dev.conf",
        "nats-1.conf",
        "nats-2.conf",
        "nats-3.conf",
    }
    for path in written:
        shipped = DEPLOY_NATS / path.name
        assert shipped.read_text() == path.read_text(), f"run `make nats-config`: {path.name}"


@pytest.mark.parametrize("name", sorted(shipped_configs()))
def test_every_shipped_config_syncs_always_and_holds_no_secret(name: str) -> None:
    text = shipped_configs()[name]
    assert "sync_interval: always" in text
    for user in USERS:
        assert f"password: ${password_env(user)}\n" in text
    assert 'password: "' not in text


def test_a_service_publishes_only_its_own_subjects_and_reads_only_its_durables() -> None:
    for svc in SERVICES:
        perms = permissions(svc)
        own = [d for d in DURABLES if d.service == svc]
        expected_pub = {f"{svc}.>", f"audit.{svc}.>"}
        expected_sub = {f"_INBOX_{svc}.>"}
        for d in own:
            expected_pub |= {
                f"$JS.API.CONSUMER.INFO.{d.stream}.{d.name}",
                f"$JS.API.CONSUMER.MSG.NEXT.{d.stream}.{d.name}",
                f"$JS.ACK.{d.stream}.{d.name}.>",
            }
            expected_sub.add(f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{d.stream}.{d.name}")
        assert set(perms.publish) == expected_pub
        assert set(perms.subscribe) == expected_sub
        # No wildcard reaches beyond the service's own names.
        for subject in (*perms.publish, *perms.subscribe):
            assert subject.count(">") <= 1
            assert "*" not in subject


def test_ops_provisions_and_watches_advisories_only() -> None:
    perms = permissions(OPS)
    assert perms.publish == ("$JS.API.>",)
    assert set(perms.subscribe) == {"_INBOX_ops.>", "$JS.EVENT.ADVISORY.>"}


def test_unknown_user_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        permissions("intruder")


def test_literal_passwords_are_quoted_into_the_block() -> None:
    passwords = {u: f"pw-{u}" for u in USERS}
    block = authorization_block(passwords)
    for user in USERS:
        assert f'user: "{user}"\n      password: "pw-{user}"' in block
    assert "$" not in block.replace("$JS.", "")


def test_server_config_listens_where_told() -> None:
    text = server_config(port=1234, http_port=5678, store_dir="/s", passwords=None)
    assert 'listen: "127.0.0.1:1234"' in text
    assert 'http: "127.0.0.1:5678"' in text
    assert 'store_dir: "/s"' in text
    assert "cluster" not in text
