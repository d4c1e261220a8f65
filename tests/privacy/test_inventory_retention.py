"""T24: every column of all four services is classified in its data inventory, and the retention
jobs, run with an injected clock, remove 100 % of expired rows and 0 unexpired ones.
(Event fields off the allow-list: tests/contracts/test_event_schemas.py.)"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import StackStarter
from sqlalchemy import Table, insert, select, update

from shared.inventory import INFRASTRUCTURE, PERSONAL, unclassified
from shared.testing.canaries import CanarySet
from shared.testing.services import RunningService
from shared.testing.waiting import wait_until

SERVICES = ("registry", "landlords", "matching", "notifications")
MARGIN = timedelta(hours=1)


@pytest.mark.parametrize("service", SERVICES)
def test_every_column_is_classified(service: str) -> None:
    metadata = importlib.import_module(f"{service}.models").metadata
    inventory = importlib.import_module(f"{service}.inventory").INVENTORY
    assert unclassified(metadata, inventory) == []
    assert set(INFRASTRUCTURE) <= set(metadata.tables), "the runtime's tables are there too"


@pytest.mark.parametrize("service", ["matching", "notifications"])
def test_no_household_personal_data_is_kept_past_an_erasure(service: str) -> None:
    inventory = importlib.import_module(f"{service}.inventory").INVENTORY
    # Matching and notifications hold no identity, contact, financial or special column at all.
    personal = [
        f"{t}.{c}"
        for t, cols in inventory.items()
        for c, e in cols.items()
        if e.category in PERSONAL
    ]
    assert personal == []
    household = [
        f"{t}.{c}"
        for t, cols in inventory.items()
        for c, e in cols.items()
        if c == "household_id" and e.action == "keep" and t not in ("tenancy", "erased_household")
    ]
    assert household == [], "a household id survives an erasure outside the legal records"


def _key(table: Table, row: Any) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


async def _age(
    svc: RunningService, table: Table, column: str, kept_for: timedelta, now: datetime, **match: Any
) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Half the matching rows just past their retention, half just inside it: (expired, fresh)."""
    async with svc.runtime.db.sessionmaker() as session:
        query = select(table)
        for name, value in match.items():
            query = query.where(
                table.c[name].is_not(None) if value is None else table.c[name] == value
            )
        found = [dict(r) for r in (await session.execute(query)).mappings()]
        expired, fresh = set(), set()
        for i, row in enumerate(found):
            old = i % 2 == 0
            at = now - kept_for - MARGIN if old else now - kept_for + MARGIN
            where = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
            await session.execute(update(table).where(*where).values({column: at}))
            (expired if old else fresh).add(_key(table, row))
        await session.commit()
    return expired, fresh


async def _remaining(svc: RunningService, table: Table) -> set[tuple[Any, ...]]:
    async with svc.runtime.db.sessionmaker() as session:
        return {_key(table, r) for r in (await session.execute(select(table))).mappings()}


async def test_retention_jobs_remove_expired_rows_and_only_those(stack: StackStarter) -> None:
    canaries = CanarySet.generate(3)
    now = datetime.now(UTC)
    async with stack() as s:
        _lid, key = await s.onboard("Cooperativa Conservazione")
        await s.unit(key, note="retention")
        await s.unit(key, note="retention")
        for h in canaries.households:
            await s.register(h)
        await s.rows_reach("matching", "household_profile", 3)
        await s.rows_reach("matching", "unit_listing", 2)
        done = await s.round()
        offers = await s.offers(done["id"])
        assert len(offers) == 2
        await s.rows_reach("landlords", "offer", 2)
        for offer in offers:
            link = await s.client("matching").get(
                f"/internal/v1/offers/{offer['id']}/link",
                headers=s.service_token("notifications", "matching"),
            )
            assert link.status_code == 200, link.text

        async def messages_finished() -> bool:
            rows = await _remaining_rows(s.services["notifications"], "message")
            return len(rows) > 4 and all(
                r["state"] in ("sent", "delivered", "skipped", "failed") for r in rows
            )

        # Every event consumed (an offer's landlord message can still be on its way when the
        # first messages are sent), then every message finished: the message job keeps unsent ones.
        await s.settle()
        await wait_until(messages_finished, within=45)
        await s.settle()
        await wait_until(messages_finished, within=45)
        for svc in s.services.values():
            await svc.runtime.scheduler.stop()  # nothing but this test runs the jobs

        plan: list[tuple[str, Table, str, timedelta, dict[str, Any]]] = []
        for name, svc in s.services.items():
            infra = svc.runtime.db.infra
            async with svc.runtime.db.sessionmaker() as session:
                cases = ((now - timedelta(days=31), True), (now, True), (now, False))
                for seq, (at, resolved) in enumerate(cases, start=1):
                    await session.execute(
                        insert(infra.dead_letter).values(
                            consumer=f"{name}-test",
                            stream="TEST",
                            stream_seq=seq,
                            subject="test.subject",
                            event_id=None,
                            num_delivered=1,
                            error_type="Test",
                            error_code="test",
                            at=at - timedelta(days=60),
                            replayed_at=at if resolved else None,
                        )
                    )
                await session.commit()
            plan += [
                (name, infra.outbox, "published_at", timedelta(days=7), {"published_at": None}),
                (name, infra.inbox, "processed_at", timedelta(days=14), {}),
                (name, infra.idempotency, "created_at", timedelta(hours=24), {}),
                (name, infra.dead_letter, "replayed_at", timedelta(days=30), {"replayed_at": None}),
            ]
        matching = s.services["matching"].runtime.db.metadata.tables
        notifications = s.services["notifications"].runtime.db.metadata.tables
        plan += [
            ("matching", matching["link_token"], "expires_at", timedelta(days=7), {}),
            ("notifications", notifications["message"], "created_at", timedelta(days=90), {}),
        ]
        expected: list[tuple[str, Table, set[Any], set[Any]]] = []
        for name, table, column, kept_for, match in plan:
            expired, fresh = await _age(s.services[name], table, column, kept_for, now, **match)
            if expired and fresh:
                expected.append((name, table, expired, fresh))
        exercised = {(name, table.name) for name, table, _e, _f in expected}
        # Notifications takes no idempotent request in this flow; every other table has rows.
        missing = {(n, t.name) for n, t, *_ in plan} - exercised
        assert missing == {("notifications", "idempotency_record")}, missing
        unresolved = {
            name: {
                _key(svc.runtime.db.infra.dead_letter, r)
                for r in await _remaining_rows(svc, "dead_letter")
                if r["replayed_at"] is None
            }
            for name, svc in s.services.items()
        }
        ran = []
        for svc in s.services.values():
            for job in svc.runtime.scheduler.jobs:
                if job.name.startswith("retention"):
                    await job.run(now)
                    ran.append(f"{svc.name}:{job.name}")
        assert len(ran) >= 6, ran
        for name, table, expired, fresh in expected:
            left = await _remaining(s.services[name], table)
            assert not expired & left, f"{name}.{table.name}: expired rows kept"
            assert fresh <= left, f"{name}.{table.name}: unexpired rows removed"
        for name, svc in s.services.items():
            left = await _remaining(svc, svc.runtime.db.infra.dead_letter)
            assert unresolved[name] <= left, f"{name}: an unresolved dead letter was removed"


async def _remaining_rows(svc: RunningService, table: str) -> list[dict[str, Any]]:
    tables = {**svc.runtime.db.metadata.tables}
    infra = svc.runtime.db.infra
    tables.setdefault("dead_letter", infra.dead_letter)
    async with svc.runtime.db.sessionmaker() as session:
        return [dict(r) for r in (await session.execute(select(tables[table]))).mappings()]
