"""T22 in the database, against anchors read back from the AUDIT stream: 20 trials of each tampering
(flip a byte, delete a middle record, delete the last 3, swap two, insert a forged record, rewrite
the tail as a new consistent chain); each is detected with the first bad seq the evidence allows.
(The same six in memory: services/registry/tests/api/test_audit.py; the CLI: test_audit_anchor.py.)"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from registry import audit
from registry.audit_anchor import STREAM, read_anchors
from registry.models import AuditRecord
from shared.runtime import Job
from shared.testing.canaries import CanarySet
from shared.testing.nats import NatsServer
from shared.testing.services import RunningService, ServiceStarter

TRIALS = 20
FIELDS = [c.name for c in AuditRecord.__table__.columns]  # type: ignore[attr-defined]


@dataclass
class Chain:
    svc: RunningService
    original: list[dict[str, Any]]

    async def write(self, records: list[dict[str, Any]]) -> None:
        async with self.svc.runtime.db.uow() as uow:
            await uow.session.execute(delete(AuditRecord))
            if records:
                await uow.session.execute(insert(AuditRecord), records)
            await uow.commit()

    async def verify(self, anchors: list[tuple[int, str]]) -> int | None:
        async with self.svc.runtime.db.uow() as uow:
            result = await audit.verification(uow, anchors=anchors)
        return None if result.ok else result.first_bad_seq


def _rehash(records: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    """Records from index `start` rewritten as a consistent chain (another actor everywhere)."""
    out = [dict(r) for r in records]
    prev = out[start - 1]["hash"] if start else audit.GENESIS
    for r in out[start:]:
        r.update(actor_id="rewriter", prev_hash=prev)
        r["hash"] = audit.chain_hash(prev, _Rec(r))
        prev = r["hash"]
    return out


class _Rec:
    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)


def _anchor_job(svc: RunningService) -> Job:
    (job,) = [j for j in svc.runtime.scheduler.jobs if j.name == "audit-anchor"]
    return job


async def test_tampering_in_the_database_is_detected_against_published_anchors(
    start_service: ServiceStarter, clean_streams: NatsServer
) -> None:
    canaries = CanarySet.generate(8)
    async with start_service("registry") as svc:
        await svc.runtime.broker.connected.wait()
        staff = {"Authorization": f"Bearer {_staff(svc)}"}
        for n, h in enumerate(canaries.households):
            r = await svc.client.post(
                "/v1/households",
                json=h.registration(),
                headers={**staff, "Idempotency-Key": f"t22-{n}"},
            )
            assert r.status_code == 201, r.text
            await svc.client.get(f"/v1/households/{r.json()['id']}", headers=staff)
            if n % 2:  # a head every two households: several anchors along the chain
                assert await svc.runtime.scheduler.run_once(_anchor_job(svc))
        anchors = await read_anchors(
            clean_streams.url, user="ops", password=clean_streams.passwords["ops"]
        )
        assert len(anchors) == 4
        nc = await clean_streams.connect("ops")
        try:
            config = (await nc.jetstream().stream_info(STREAM)).config
        finally:
            await nc.close()
        assert config.deny_delete
        assert config.deny_purge
        async with svc.runtime.db.uow() as uow:
            original = [
                {f: getattr(r, f) for f in FIELDS}
                for r in (
                    await uow.session.execute(select(AuditRecord).order_by(AuditRecord.seq))  # type: ignore[arg-type]
                ).scalars()
            ]
        chain = Chain(svc, original)
        n = len(original)
        head = anchors[-1][0]
        assert n >= 16
        assert await chain.verify(anchors) is None
        rng = random.Random(22)
        kinds: dict[str, Callable[[int], tuple[list[dict[str, Any]], int]]] = {
            "flip": lambda i: (_flip(original, i), original[i]["seq"]),
            "delete middle": lambda i: (original[:i] + original[i + 1 :], original[i]["seq"]),
            "delete last 3": lambda _i: (original[:-3], original[-3]["seq"]),
            "swap": lambda i: (_swap(original, i, rng.randrange(i + 1, n)), original[i]["seq"]),
            # The forged record links to its predecessor; the break shows at the one after it.
            "insert forged": lambda i: (_forged(original, i), original[i]["seq"] + 2),
            "rewrite tail": lambda i: (
                _rehash(original, i),
                _provable(anchors, original[i]["seq"]),
            ),
        }
        detected: dict[str, int] = dict.fromkeys(kinds, 0)
        for kind, tamper in kinds.items():
            for _ in range(TRIALS):
                i = rng.randrange(1, min(n, head) - 1)
                records, first_bad = tamper(i)
                await chain.write(records)
                assert await chain.verify(anchors) == first_bad, (kind, i)
                detected[kind] += 1
        await chain.write(original)
        assert await chain.verify(anchors) is None
    assert detected == dict.fromkeys(kinds, TRIALS)


def _staff(svc: RunningService) -> str:
    from shared.auth import Signer

    settings = svc.runtime.settings
    assert settings.service_signing_key_file is not None
    signer = Signer.from_file(settings.service_signing_key_file, issuer=settings.jwt_issuer)
    return signer.mint(sub="caseworker-1", audience="agency-api", roles=["caseworker"])


def _flip(records: list[dict[str, Any]], i: int) -> list[dict[str, Any]]:
    out = [dict(r) for r in records]
    action = out[i]["action"]
    out[i]["action"] = action[:-1] + chr(ord(action[-1]) ^ 1)
    return out


def _swap(records: list[dict[str, Any]], i: int, j: int) -> list[dict[str, Any]]:
    out = [dict(r) for r in records]
    a, b = out[i], out[j]
    out[i] = {**b, "seq": a["seq"]}
    out[j] = {**a, "seq": b["seq"]}
    return out


def _forged(records: list[dict[str, Any]], i: int) -> list[dict[str, Any]]:
    """A consistent record slipped in after index i; the later ones renumbered, not rehashed."""
    prev = records[i]
    forged = {**prev, "seq": prev["seq"] + 1, "actor_id": "intruder", "prev_hash": prev["hash"]}
    forged["hash"] = audit.chain_hash(prev["hash"], _Rec(forged))
    later = [{**r, "seq": r["seq"] + 1} for r in records[i + 1 :]]
    return [*records[: i + 1], forged, *later]


def _provable(anchors: list[tuple[int, str]], first_rewritten: int) -> int:
    """A rewrite from seq k shows after the last anchor before k that still holds."""
    return 1 + max((seq for seq, _h in anchors if seq < first_rewritten), default=0)
