"""`make bench`, registry: how fast the audit chain verifies (RELIABILITY T22).

A chain of `RECORDS` records is built with the registry's own `chain_hash` and checked with the
registry's own `first_bad_seq`, as `python -m registry audit verify` does after reading the rows;
the figure is the check alone (reading the rows is the database's share).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from registry.audit import GENESIS, chain_hash, first_bad_seq
from registry.models import AuditRecord

RECORDS = 100_000


def _chain(n: int) -> list[AuditRecord]:
    """The rows `audit verify` reads, as the registry's own model."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records: list[AuditRecord] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        record = AuditRecord(
            seq=seq,
            at=start + timedelta(seconds=seq),
            actor_kind="caseworker",
            actor_id=f"caseworker-{seq % 17}",
            action="household.read",
            object_type="household",
            object_id=f"{seq:032x}",
            outcome="ok",
            request_id=f"{seq:016x}",
            prev_hash=prev,
            hash="",
        )
        record.hash = chain_hash(prev, record)
        records.append(record)
        prev = record.hash
    return records


def audit_verify_table() -> str:
    records = _chain(RECORDS)
    started = time.perf_counter()
    intact = first_bad_seq(records, anchor=(RECORDS, records[-1].hash))
    elapsed = time.perf_counter() - started
    if intact is not None:
        raise RuntimeError(f"the benchmark's own chain failed at seq {intact}")
    middle = RECORDS // 2
    tampered = [*records]
    tampered[middle - 1] = records[middle - 1].model_copy(update={"outcome": "denied"})
    started = time.perf_counter()
    found = first_bad_seq(tampered, anchor=(RECORDS, records[-1].hash))
    to_find = time.perf_counter() - started
    return "\n".join(
        [
            f"### Audit chain verification ({RECORDS:,} records, registry's `first_bad_seq`)",
            "",
            "| check | s | records/s | result |",
            "|---|---|---|---|",
            f"| intact chain | {elapsed:.2f} | {RECORDS / elapsed:,.0f} | verified |",
            f"| one record edited at seq {middle:,} | {to_find:.2f} | "
            f"{middle / to_find:,.0f} | first bad seq {found:,} |",
        ]
    )
