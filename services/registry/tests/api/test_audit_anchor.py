"""RELIABILITY §3.7 anchors: the audit head leaves the database, so a rewritten chain or a cut tail shows."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select

from registry import audit
from registry.audit_anchor import read_anchors
from registry.models import AuditRecord
from shared.runtime import Job
from shared.testing.nats import NatsServer

Started = Callable[..., Any]


def _anchor_job(registry: Any) -> Job:
    jobs = [j for j in registry.svc.runtime.scheduler.jobs if j.name == "audit-anchor"]
    assert len(jobs) == 1
    assert jobs[0].at_stop
    job: Job = jobs[0]
    return job


async def _audited_actions(registry: Any, n: int) -> None:
    for _ in range(n):
        created = await registry.registered()
        await registry.client.get(f"/v1/households/{created['id']}", headers=registry.staff())


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


async def _ops_anchors(nats: NatsServer) -> list[tuple[int, str]]:
    return await read_anchors(nats.url, user="ops", password=nats.passwords["ops"])


async def test_the_head_is_published_and_a_rewritten_chain_or_a_cut_tail_fails_verification(
    started: Started, clean_streams: NatsServer
) -> None:
    async with started() as registry:
        db = registry.svc.runtime.db
        await _audited_actions(registry, 3)
        await registry.svc.runtime.broker.connected.wait()
        assert await registry.svc.runtime.scheduler.run_once(_anchor_job(registry))
        anchors = await _ops_anchors(clean_streams)
        async with db.uow() as uow:
            head = await audit.verification(uow)
            assert head.ok
            assert head.head_seq is not None
            assert anchors == [(head.head_seq, head.head_hash)]
            assert (await audit.verification(uow, anchors=anchors)).ok

        # An unchanged head is not published again.
        await registry.svc.runtime.scheduler.run_once(_anchor_job(registry))
        assert len(await _ops_anchors(clean_streams)) == 1

        # Rewrite the whole chain as a new, internally consistent one (another actor everywhere).
        async with db.uow() as uow:
            records = list(
                (await uow.session.execute(select(AuditRecord).order_by(AuditRecord.seq))).scalars()  # type: ignore[arg-type]
            )
            prev = audit.GENESIS
            for record in records:
                record.actor_id = "rewritten"
                record.prev_hash = prev
                record.hash = audit.chain_hash(prev, record)
                prev = record.hash
            await uow.commit()
        async with db.uow() as uow:
            assert (await audit.verification(uow)).ok  # consistent on its own...
            rewritten = await audit.verification(uow, anchors=anchors)
            assert not rewritten.ok
            assert rewritten.first_bad_seq == 1


async def test_a_cut_tail_shows_against_the_anchor_published_at_shutdown(
    started: Started, clean_streams: NatsServer
) -> None:
    async with started(scheduler_enabled=True, audit_anchor_interval_s=3600.0) as registry:
        await registry.svc.runtime.broker.connected.wait()
        await _audited_actions(registry, 4)
        db_url = registry.svc.runtime.settings.database_url
        async with registry.svc.runtime.db.uow() as uow:
            head = await audit.verification(uow)
    # The interval never elapsed: the only anchor is the one published when the service stopped.
    anchors = await _ops_anchors(clean_streams)
    assert anchors == [(head.head_seq, head.head_hash)]

    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "NATS_URL": clean_streams.url,
        "AUDIT_NATS_PASSWORD": clean_streams.passwords["ops"],
    }
    command = [sys.executable, "-m", "registry", "audit", "verify"]
    ok = await asyncio.to_thread(_run, command, env)
    assert ok.returncode == 0, ok.stderr
    assert f"{head.records} records" in ok.stdout
    assert "1 published anchors" in ok.stdout

    async with started() as registry, registry.svc.runtime.db.uow() as uow:
        assert head.head_seq is not None
        await uow.session.execute(
            delete(AuditRecord).where(AuditRecord.seq > head.head_seq - 3)  # type: ignore[arg-type]
        )
        await uow.commit()
    broken = await asyncio.to_thread(_run, command, env)
    assert broken.returncode == 1
    assert f"first bad seq {head.head_seq - 2}" in broken.stdout
