"""The data inventory's vocabulary (RELIABILITY.md 4.1): each service classifies every column of
its tables in `<service>.inventory`; export and erasure are driven by it and a test fails on any
column left out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import MetaData

Category = Literal["identity", "contact", "financial", "special", "protected", "derived", "none"]
Action = Literal["delete", "anonymise", "keep"]
PERSONAL: frozenset[Category] = frozenset({"identity", "contact", "financial", "special"})


@dataclass(frozen=True)
class Entry:
    category: Category
    action: Action  # at the household's (or landlord's) erasure
    retention: str


def entries(columns: Iterable[str], entry: Entry) -> dict[str, Entry]:
    return dict.fromkeys(columns, entry)


# The runtime's tables, the same in every service: pseudonymous ids and payloads only, pruned by
# the runtime's housekeeping (RELIABILITY.md 4.4); a household's rows also go at its erasure.
INFRASTRUCTURE: Mapping[str, str] = {
    "outbox_event": "7 days after publication; a household's published rows go at erasure",
    "processed_event": "14 days",
    "dead_letter": "30 days after resolution",
    "idempotency_record": "24 hours; a household's stored responses go at erasure",
}


def unclassified(metadata: MetaData, inventory: Mapping[str, Mapping[str, Entry]]) -> list[str]:
    """`table.column` of every column in neither the inventory nor the runtime's tables, and
    every inventory entry that names no column (a stale inventory is as wrong as a short one)."""
    out = []
    for name, table in metadata.tables.items():
        if name in INFRASTRUCTURE:
            continue
        listed = set(inventory.get(name, {}))
        out += [f"{name}.{c.name}" for c in table.columns if c.name not in listed]
        out += [f"{name}.{c} (stale)" for c in listed - {c.name for c in table.columns}]
    out += [f"{name} (stale table)" for name in set(inventory) - set(metadata.tables)]
    return sorted(out)
