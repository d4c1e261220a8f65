"""Bulk unit import: each row validated on its own, then classified against the landlord's units."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from landlords.import_formats import csv_records, jsonl_records
from landlords.screening import normalise_text
from landlords.unit_rules import UnitAssessment, UnitChecker
from landlords.unit_schemas import UnitCreate
from shared.errors import FieldError


class ImportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class RowResult:
    """One row's outcome; `row` counts data rows from 1 (CSV) or lines from 1 (JSON lines)."""

    row: int
    status: RowStatus
    errors: tuple[FieldError, ...] = ()
    warnings: tuple[FieldError, ...] = ()
    natural_key: str | None = None
    content_hash: str | None = None
    unit: UnitCreate | None = None
    assessment: UnitAssessment | None = None


@dataclass(frozen=True)
class ImportReport:
    file_errors: tuple[FieldError, ...]
    rows: tuple[RowResult, ...]

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status is status)


def natural_key(*, landlord_id: uuid.UUID, unit: UnitCreate) -> str:
    """landlord + address (street and comune) + unit reference, insensitive to case and punctuation."""
    parts = (unit.comune, unit.address, unit.unit_reference)
    return "|".join((str(landlord_id), *(normalise_text(p).strip() for p in parts)))


def content_hash(unit: UnitCreate) -> str:
    """A hash of the unit's facts in canonical units, so 450.5 and 450.50 euros hash alike."""
    data = unit.model_dump(
        mode="json",
        exclude={
            "monthly_rent_eur",
            "service_charges_eur",
            "surface_m2",
            "conventional_surface_m2",
        },
    )
    data |= {
        "rent_cents": unit.rent_cents,
        "charges_cents": unit.charges_cents,
        "surface_tenths": unit.surface_tenths,
        "conventional_surface_tenths": unit.rent_surface_tenths
        if unit.conventional_surface_m2 is not None
        else None,
    }
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def import_units(
    *,
    content: bytes,
    fmt: ImportFormat,
    landlord_id: uuid.UUID,
    existing: Mapping[str, str],
    checker: UnitChecker,
) -> ImportReport:
    """Parse and validate every row; classify against `existing` (natural key -> content hash).

    File-level problems (size, encoding, header, row count) reject the whole file and no row is
    reported; otherwise each row stands alone and one bad row never blocks the others.
    """
    limits = checker.rules.units
    if len(content) > limits.import_max_bytes:
        return _file_error(
            "/body",
            "import_too_large",
            f"An import may hold at most {limits.import_max_bytes} bytes.",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _file_error("/body", "encoding", "The file must be UTF-8 encoded.")
    if fmt is ImportFormat.CSV:
        file_errors, records = csv_records(text, filters=checker.rules.filters)
    else:
        file_errors, records = (), list(jsonl_records(text))
    if file_errors:
        return ImportReport(file_errors=file_errors, rows=())
    if len(records) > limits.import_max_rows:
        return _file_error(
            "/body", "too_many_rows", f"An import may hold at most {limits.import_max_rows} rows."
        )
    results: list[RowResult] = []
    seen: set[str] = set()
    for row, record in records:
        prefix = f"/rows/{row}"
        if isinstance(record, FieldError):
            results.append(RowResult(row=row, status=RowStatus.ERROR, errors=(record,)))
            continue
        unit, assessment, errors = checker.parse(raw=record, prefix=prefix)
        if fmt is ImportFormat.CSV:
            errors = tuple(_flatten(e) for e in errors)
        if unit is None or assessment is None or errors:
            results.append(RowResult(row=row, status=RowStatus.ERROR, errors=errors))
            continue
        key = natural_key(landlord_id=landlord_id, unit=unit)
        if key in seen:
            dup = FieldError(
                pointer=f"{prefix}/unit_reference",
                code="duplicate_in_file",
                message="Another row of this file has the same address and unit reference.",
            )
            results.append(
                RowResult(row=row, status=RowStatus.ERROR, errors=(dup,), natural_key=key)
            )
            continue
        seen.add(key)
        digest = content_hash(unit)
        known = existing.get(key)
        if known is None:
            status = RowStatus.CREATED
        elif known == digest:
            status = RowStatus.UNCHANGED
        else:
            status = RowStatus.UPDATED
        warnings = (
            tuple(_flatten(w) for w in assessment.warnings)
            if fmt is ImportFormat.CSV
            else assessment.warnings
        )
        results.append(
            RowResult(
                row=row,
                status=status,
                warnings=warnings,
                natural_key=key,
                content_hash=digest,
                unit=unit,
                assessment=assessment,
            )
        )
    return ImportReport(file_errors=(), rows=tuple(results))


def _file_error(pointer: str, code: str, message: str) -> ImportReport:
    return ImportReport(
        file_errors=(FieldError(pointer=pointer, code=code, message=message),), rows=()
    )


def _flatten(error: FieldError) -> FieldError:
    # CSV columns are flat: report the column the landlord sees, not the API's nested path.
    return FieldError(
        pointer=error.pointer.replace("/filters/", "/", 1), code=error.code, message=error.message
    )
