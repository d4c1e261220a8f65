"""T22: the hash-chained audit log detects edits, deletions, reordering, forgeries and a cut tail."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import update

from registry.audit import chain_hash, first_bad_seq
from registry.models import AuditRecord
from shared.testing.inspect import rows

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry


@dataclass(frozen=True)
class Rec:
    seq: int
    at: datetime
    actor_kind: str
    actor_id: str
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    request_id: str | None
    prev_hash: str
    hash: str


async def _chain(registry: Any) -> list[Rec]:
    for _ in range(3):
        created = await registry.registered()
        await registry.client.get(f"/v1/households/{created['id']}", headers=registry.staff())
        await registry.client.post(
            f"/v1/households/{created['id']}/verify", headers=registry.staff()
        )
    records = sorted(await rows(registry.svc, "audit_record"), key=lambda r: r["seq"])
    return [Rec(**r) for r in records]


def _forge(prev: Rec, seq: int) -> Rec:
    forged = replace(
        prev, seq=seq, action="household.read", actor_id="intruder", prev_hash=prev.hash
    )
    return replace(forged, hash=chain_hash(prev.hash, forged))


async def test_every_tampering_is_detected_with_the_first_bad_seq(started: Started) -> None:
    async with started() as registry:
        chain = await _chain(registry)
        n = len(chain)
        assert n >= 9
        assert first_bad_seq(chain) is None
        anchor = (chain[-1].seq, chain[-1].hash)
        assert first_bad_seq(chain, anchor=anchor) is None
        rng = random.Random(22)
        for _ in range(20):
            i = rng.randrange(1, n - 1)
            flipped = list(chain)
            flipped[i] = replace(
                chain[i], action=chain[i].action[:-1] + chr(ord(chain[i].action[-1]) ^ 1)
            )
            assert first_bad_seq(flipped, anchor=anchor) == chain[i].seq

            deleted = chain[:i] + chain[i + 1 :]
            assert first_bad_seq(deleted, anchor=anchor) == chain[i].seq

            assert first_bad_seq(chain[:-3], anchor=anchor) == chain[-3].seq

            j = rng.randrange(i + 1, n)
            swapped = list(chain)
            swapped[i], swapped[j] = chain[j], chain[i]
            assert first_bad_seq(swapped, anchor=anchor) == chain[i].seq

            forged = [*chain[: i + 1], _forge(chain[i], chain[i].seq + 1)]
            forged += [replace(r, seq=r.seq + 1) for r in chain[i + 1 :]]
            assert first_bad_seq(forged, anchor=anchor) == chain[i].seq + 2

            rewritten: list[Rec] = []
            prev = "0" * 64
            for r in chain:
                fake = replace(r, actor_id="rewriter", prev_hash=prev)
                fake = replace(fake, hash=chain_hash(prev, fake))
                rewritten.append(fake)
                prev = fake.hash
            assert first_bad_seq(rewritten) is None  # consistent on its own ...
            assert first_bad_seq(rewritten, anchor=anchor) == 1  # ... but not with the anchor


async def test_a_byte_flipped_in_the_database_fails_verification(started: Started) -> None:
    async with started() as registry:
        chain = await _chain(registry)
        ok = await registry.client.get("/v1/audit/verify", headers=registry.staff("supervisor"))
        assert ok.json()["ok"] is True
        assert ok.json()["head_seq"] == chain[-1].seq
        assert (
            await registry.client.get("/v1/audit/verify", headers=registry.staff())
        ).status_code == 403
        target = chain[4]
        async with registry.svc.runtime.db.uow() as uow:
            await uow.session.execute(
                update(AuditRecord).where(AuditRecord.seq == target.seq).values(object_id="0" * 36)
            )
            await uow.commit()
        bad = await registry.client.get("/v1/audit/verify", headers=registry.staff("supervisor"))
        assert bad.json()["ok"] is False
        assert bad.json()["first_bad_seq"] == target.seq


async def test_reads_changes_and_denials_are_recorded_without_personal_data(
    started: Started,
) -> None:
    async with started() as registry:
        created = await registry.registered()
        hid = created["id"]
        await registry.client.get(f"/v1/households/{hid}", headers=registry.staff())
        await registry.client.get(f"/v1/households/{hid}/eligibility", headers=registry.staff())
        await registry.client.patch(
            f"/v1/households/{hid}", json={"reference": "B"}, headers=registry.staff()
        )
        await registry.client.get(f"/v1/households/{hid}/export", headers=registry.staff())
        records = await rows(registry.svc, "audit_record")
        actions = [(r["action"], r["object_id"], r["outcome"]) for r in records]
        for action in (
            "household.create",
            "household.read",
            "household.eligibility.read",
            "household.update",
        ):
            assert (action, hid, "ok") in actions
        assert (
            "authorization.denied",
            "GET /v1/households/{household_id}/export",
            "denied",
        ) in actions
        text = str(records)
        assert created["applicant"]["codice_fiscale"] not in text
        assert "Maria" not in text
