"""The append-only, hash-chained audit log (RELIABILITY §3.7): append in the action's transaction, verify."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from registry import repository
from registry.models import AuditRecord
from registry.views import AuditVerification
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.logs import request_id_var

GENESIS = "0" * 64
_FIELDS = (
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "request_id",
)


class Auditable(Protocol):
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


@dataclass(frozen=True)
class Actor:
    kind: str
    id: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(kind=principal.kind, id=principal.id)


SYSTEM = Actor(kind="system", id="registry")


def _utc(value: datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(record: Auditable) -> bytes:
    fields: dict[str, Any] = {name: getattr(record, name) for name in _FIELDS}
    fields["at"] = _utc(record.at)
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, record: Auditable) -> str:
    """SHA-256(prev_hash ‖ canonical JSON of the other fields), hex."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(record)).hexdigest()


def first_bad_seq(
    records: Iterable[Auditable],
    *,
    anchor: tuple[int, str] | None = None,
    anchors: Iterable[tuple[int, str]] = (),
) -> int | None:
    """The seq where the chain stops being consistent, or None when it verifies.

    Records are read in seq order. An edit breaks the record's own hash; a deletion or a swap
    breaks the next record's `prev_hash` or the seq sequence; a cut tail or a rewrite of the
    whole chain shows against the anchor (the head published outside the database).
    """
    prev_hash, expected_seq = GENESIS, 1
    by_seq: dict[int, str] = {}
    for record in records:
        if (
            record.seq != expected_seq
            or record.prev_hash != prev_hash
            or chain_hash(prev_hash, record) != record.hash
        ):
            return min(record.seq, expected_seq)
        by_seq[record.seq] = record.hash
        prev_hash, expected_seq = record.hash, expected_seq + 1
    published = [*anchors, *([anchor] if anchor is not None else [])]
    holding = [seq for seq, head in published if by_seq.get(seq) == head]
    bad: int | None = None
    for seq, head in published:
        if seq not in by_seq:
            found = expected_seq  # the chain ends before a head that was published: a cut tail
        elif by_seq[seq] != head:
            # A published head no longer matches: the chain was rewritten after the last head
            # that still holds (the earliest seq the anchors can prove bad).
            found = 1 + max((s for s in holding if s < seq), default=0)
        else:
            continue
        bad = found if bad is None else min(bad, found)
    return bad


async def append(
    uow: UnitOfWork,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object | None,
    outcome: str = "ok",
    now: datetime,
) -> AuditRecord:
    """Append one record inside the caller's transaction, so it commits with the action."""
    await repository.lock_audit_chain(uow.session)
    head = await repository.audit_head(uow.session)
    record = AuditRecord(
        seq=(head.seq + 1) if head is not None else 1,
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id[:100],
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome,
        request_id=request_id_var.get(),
        prev_hash=head.hash if head is not None else GENESIS,
        hash="",
    )
    record.hash = chain_hash(record.prev_hash, record)
    await repository.add(uow.session, record)
    return record


async def verification(
    uow: UnitOfWork,
    *,
    anchor: tuple[int, str] | None = None,
    anchors: Iterable[tuple[int, str]] = (),
) -> AuditVerification:
    """Verify the whole chain (against the anchors given) and report its head."""
    records = await repository.audit_records(uow.session)
    bad = first_bad_seq(records, anchor=anchor, anchors=anchors)
    head = records[-1] if records else None
    return AuditVerification(
        records=len(records),
        ok=bad is None,
        first_bad_seq=bad,
        head_seq=head.seq if head else None,
        head_hash=head.hash if head else None,
    )
