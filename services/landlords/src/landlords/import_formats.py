"""The import file formats: the CSV template's columns and the CSV and JSON-lines readers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from landlords.rules_policy import LandlordFiltersPolicy
from landlords.unit_schemas import UnitCreate, UnitFilters, filter_rejection, json_pointer
from shared.errors import FieldError

FILTER_COLUMNS: tuple[str, ...] = tuple(UnitFilters.model_fields)
CSV_COLUMNS: tuple[str, ...] = (
    *(name for name in UnitCreate.model_fields if name not in {"filters", "notes"}),
    *FILTER_COLUMNS,
    "notes",
)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(
    name for name, info in UnitCreate.model_fields.items() if info.is_required()
)
_NUMERIC_COLUMNS = frozenset(
    {"surface_m2", "conventional_surface_m2", "monthly_rent_eur", "service_charges_eur"}
)
# Italian spreadsheets write yes/no in Italian; anything else is left to pydantic's bool parsing.
_ITALIAN_BOOLEANS = {"si": "true", "sì": "true", "vero": "true", "falso": "false"}

Record = dict[str, Any] | FieldError


def csv_records(
    text: str, *, filters: LandlordFiltersPolicy
) -> tuple[tuple[FieldError, ...], list[tuple[int, Record]]]:
    """Header errors (which reject the file) or one record per non-blank data row."""
    try:
        return _csv_records(text, filters=filters)
    except csv.Error:  # a field past the csv module's size limit, a NUL in some versions
        malformed = FieldError(
            pointer="/body", code="malformed_csv", message="The file is not valid CSV."
        )
        return (malformed,), []


def _csv_records(
    text: str, *, filters: LandlordFiltersPolicy
) -> tuple[tuple[FieldError, ...], list[tuple[int, Record]]]:
    first_line = text.split("\n", 1)[0]
    # Italian Excel exports use ";" as separator and "," as decimal mark.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    errors: list[FieldError] = []
    for column in header:
        if column in CSV_COLUMNS:
            continue
        pointer = json_pointer((column,), prefix="/header")
        if column in filters.prohibited:
            code, message = filter_rejection(key=column, filters=filters)
        else:
            code, message = "unknown_column", "This column is not in the import template."
        errors.append(FieldError(pointer=pointer, code=code, message=message))
    errors.extend(
        FieldError(
            pointer=f"/header/{column}",
            code="missing_column",
            message="The template requires this column.",
        )
        for column in REQUIRED_COLUMNS
        if column not in header
    )
    if len(set(header)) != len(header):
        errors.append(
            FieldError(
                pointer="/header", code="duplicate_column", message="A column appears twice."
            )
        )
    if errors:
        return tuple(errors), []
    records: list[tuple[int, Record]] = []
    for row, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            records.append(
                (
                    row,
                    FieldError(
                        pointer=f"/rows/{row}",
                        code="extra_cells",
                        message="The row has more cells than the header.",
                    ),
                )
            )
            continue
        records.append(
            (
                row,
                _csv_record(dict(zip(header, cells, strict=False)), decimal_comma=delimiter == ";"),
            )
        )
    return (), records


def _csv_record(cells: dict[str, str], *, decimal_comma: bool) -> dict[str, Any]:
    record: dict[str, Any] = {}
    nested: dict[str, Any] = {}
    for column, raw in cells.items():
        value = raw if column == "notes" else raw.strip()
        if value == "":
            continue  # an empty cell means "not given", so the schema default applies
        if decimal_comma and column in _NUMERIC_COLUMNS:
            value = value.replace(",", ".")
        value = _ITALIAN_BOOLEANS.get(value.lower(), value)
        (nested if column in FILTER_COLUMNS else record)[column] = value
    if nested:
        record["filters"] = nested
    return record


def jsonl_records(text: str) -> Iterator[tuple[int, Record]]:
    for row, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            yield (
                row,
                FieldError(
                    pointer=f"/rows/{row}",
                    code="json_invalid",
                    message="The line is not valid JSON.",
                ),
            )
            continue
        if not isinstance(value, dict):
            yield (
                row,
                FieldError(
                    pointer=f"/rows/{row}",
                    code="object_expected",
                    message="Each line must be a JSON object.",
                ),
            )
            continue
        yield row, value
