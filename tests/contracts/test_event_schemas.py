"""Every event's JSON schema is snapshotted: a removed or retyped field breaks consumers and fails here."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from shared.events import EVENT_TYPES

SNAPSHOT = Path(__file__).with_name("event_schemas.json")
FORBIDDEN_NAMES = {
    "name",
    "first_name",
    "last_name",
    "surname",
    "fiscal_code",
    "codice_fiscale",
    "email",
    "phone",
    "mobile",
    "address",
    "isee",
    "income",
    "net_income",
    "diagnosis",
    "disability",
    "disability_pct",
    "note",
    "notes",
    "birth_date",
    "citizenship",
    "nationality",
    "iban",
    "token",
    "link",
}


def current() -> dict[str, Any]:
    return {subject: cls.model_json_schema() for subject, cls in sorted(EVENT_TYPES.items())}


def _fields(schema: dict[str, Any]) -> dict[str, Any]:
    return dict(schema.get("properties", {}))


def test_no_field_was_removed_or_retyped_and_additions_are_recorded() -> None:
    now = current()
    if os.environ.get("UPDATE_CONTRACTS") == "1" or not SNAPSHOT.exists():
        previous = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
        breaking = [
            f"{subject}.{field}"
            for subject, schema in previous.items()
            for field, spec in _fields(schema).items()
            if subject not in now or _fields(now[subject]).get(field) != spec
        ]
        assert not breaking, f"breaking changes need a new event version, not an update: {breaking}"
        SNAPSHOT.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(SNAPSHOT.read_text())
    for subject, schema in recorded.items():
        assert subject in now, f"{subject} was removed; publish it until every consumer has moved"
        for field, spec in _fields(schema).items():
            assert field in _fields(now[subject]), f"{subject}: field {field} was removed"
            assert _fields(now[subject])[field] == spec, f"{subject}: field {field} changed type"
    assert now == recorded, (
        "an event changed additively: record it with UPDATE_CONTRACTS=1 make test"
    )


def _strings(schema: Any, defs: dict[str, Any], path: str) -> list[str]:
    """Paths of unbounded strings in a schema."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _strings(defs[schema["$ref"].rsplit("/", 1)[1]], defs, path)
        alternatives = schema.get("anyOf", [])
        if any(isinstance(a, dict) and a.get("type") == "number" for a in alternatives):
            return []  # a Decimal: a number or its string form, bounded by max_digits
        found = []
        if (
            schema.get("type") == "string"
            and "maxLength" not in schema
            and "enum" not in schema
            and "const" not in schema
            and schema.get("format") not in {"uuid", "date-time", "date"}
            and "pattern" not in schema
        ):
            found.append(path)
        for key, value in schema.items():
            if key == "$defs":
                continue
            found.extend(_strings(value, defs, f"{path}/{key}"))
        return found
    if isinstance(schema, list):
        return [p for i, item in enumerate(schema) for p in _strings(item, defs, f"{path}/{i}")]
    return []


def test_events_carry_no_personal_field_and_no_unbounded_text() -> None:
    for subject, schema in current().items():
        defs = schema.get("$defs", {})
        names = set(_fields(schema))
        for nested in defs.values():
            names |= set(_fields(nested))
        assert not names & FORBIDDEN_NAMES, (
            f"{subject} has personal fields {names & FORBIDDEN_NAMES}"
        )
        assert not _strings(schema, defs, subject), f"{subject} has unbounded strings"
