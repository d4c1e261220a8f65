"""Bulk import: template, CSV and JSON lines, per-row results, re-import, limits, speed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from landlords.import_formats import CSV_COLUMNS
from landlords.importing import (
    ImportFormat,
    ImportReport,
    RowStatus,
    import_units,
)
from landlords.unit_rules import UnitChecker

UnitFactory = Callable[..., dict[str, Any]]
LANDLORD = uuid.UUID("00000000-0000-4000-8000-000000000001")
HEADER = ",".join(CSV_COLUMNS)
_DEFAULTS: dict[str, str] = {
    "address": "Via Solferino 12",
    "comune": "Cremona",
    "zone": "semicentro",
    "surface_m2": "55",
    "rooms": "2",
    "bedrooms": "1",
    "energy_class": "C",
    "monthly_rent_eur": "280.00",
    "contract_type": "concordato",
    "contract_term": "3+2",
    "max_occupants": "3",
}


def csv_row(**cells: str) -> str:
    values = _DEFAULTS | cells
    return ",".join(values.get(c, "") for c in CSV_COLUMNS)


def run(
    checker: UnitChecker,
    text: str,
    *,
    fmt: ImportFormat = ImportFormat.CSV,
    existing: dict[str, str] | None = None,
) -> ImportReport:
    return import_units(
        content=text.encode(),
        fmt=fmt,
        landlord_id=LANDLORD,
        existing=existing or {},
        checker=checker,
    )


def known(report: ImportReport) -> dict[str, str]:
    return {r.natural_key: r.content_hash for r in report.rows if r.natural_key and r.content_hash}


def test_template_header_matches_the_schema() -> None:
    template = resources.files("landlords") / "templates" / "units_import_template.csv"
    assert template.read_text(encoding="utf-8").strip() == HEADER


def test_mixed_valid_and_invalid_rows(checker: UnitChecker) -> None:
    text = "\n".join(
        [
            HEADER,
            csv_row(unit_reference="A1"),
            csv_row(unit_reference="A2", bedrooms="2"),
            csv_row(unit_reference="A3", comune="Milano"),
            csv_row(unit_reference="A4", monthly_rent_eur="abc"),
            csv_row(unit_reference="A5", max_occupants="1"),
            csv_row(unit_reference="A6", notes="No stranieri"),
            "",
            csv_row(unit_reference="A7", comune="Soresina", zone="", monthly_rent_eur="230"),
        ]
    )
    report = run(checker, text)
    assert report.file_errors == ()
    outcome = [(r.row, r.status, [(e.pointer, e.code) for e in r.errors]) for r in report.rows]
    assert outcome == [
        (1, RowStatus.CREATED, []),
        (2, RowStatus.ERROR, [("/rows/2/bedrooms", "bedrooms_not_below_rooms")]),
        (3, RowStatus.ERROR, [("/rows/3/comune", "comune_not_in_ambito")]),
        (4, RowStatus.ERROR, [("/rows/4/monthly_rent_eur", "decimal_parsing")]),
        (5, RowStatus.ERROR, [("/rows/5/max_occupants", "OCCUPANCY_FILTER_EXCLUDES_ALL")]),
        (6, RowStatus.CREATED, []),
        (8, RowStatus.CREATED, []),
    ]
    held = report.rows[5]
    assert held.assessment is not None
    assert held.assessment.hold_for_review
    assert held.unit is not None
    assert held.unit.filters.max_occupants == 3
    assert report.count(RowStatus.CREATED) == 3
    assert report.count(RowStatus.ERROR) == 4


def test_reimport_is_unchanged_and_edits_are_updates(checker: UnitChecker) -> None:
    rows = [csv_row(unit_reference=f"U{i}") for i in range(3)]
    first = run(checker, "\n".join([HEADER, *rows]))
    assert first.count(RowStatus.CREATED) == 3
    again = run(checker, "\n".join([HEADER, *rows]), existing=known(first))
    assert [r.status for r in again.rows] == [RowStatus.UNCHANGED] * 3
    # 280 and 280.00 euros are the same fact; a respelt address is the same unit, updated.
    same = csv_row(unit_reference="U0", monthly_rent_eur="280")
    respelt = csv_row(unit_reference="u1", address='"VIA SOLFERINO, 12"')
    edited = csv_row(unit_reference="U2", monthly_rent_eur="290.00")
    new = csv_row(unit_reference="U9")
    report = run(checker, "\n".join([HEADER, same, respelt, edited, new]), existing=known(first))
    assert [r.status for r in report.rows] == [
        RowStatus.UNCHANGED,
        RowStatus.UPDATED,
        RowStatus.UPDATED,
        RowStatus.CREATED,
    ]
    assert report.rows[1].natural_key == first.rows[1].natural_key


def test_natural_key_is_per_landlord(checker: UnitChecker) -> None:
    text = "\n".join([HEADER, csv_row()])
    first = run(checker, text)
    other = import_units(
        content=text.encode(),
        fmt=ImportFormat.CSV,
        landlord_id=uuid.uuid4(),
        existing=known(first),
        checker=checker,
    )
    assert [r.status for r in other.rows] == [RowStatus.CREATED]


def test_duplicate_rows_in_one_file(checker: UnitChecker) -> None:
    report = run(checker, "\n".join([HEADER, csv_row(), csv_row(monthly_rent_eur="300")]))
    assert [r.status for r in report.rows] == [RowStatus.CREATED, RowStatus.ERROR]
    assert report.rows[1].errors[0].code == "duplicate_in_file"


def test_prohibited_column_rejects_the_file(checker: UnitChecker) -> None:
    report = run(checker, "\n".join([HEADER + ",nationality,colour", csv_row() + ",IT,red"]))
    assert report.rows == ()
    assert [(e.pointer, e.code) for e in report.file_errors] == [
        ("/header/nationality", "prohibited_landlord_filter"),
        ("/header/colour", "unknown_column"),
    ]
    assert report.file_errors[0].message.startswith("Units cannot be restricted by nationality.")


def test_missing_required_column(checker: UnitChecker) -> None:
    header = [c for c in CSV_COLUMNS if c != "monthly_rent_eur"]
    report = run(checker, ",".join(header))
    assert [(e.pointer, e.code) for e in report.file_errors] == [
        ("/header/monthly_rent_eur", "missing_column")
    ]


def test_semicolon_csv_with_decimal_comma_and_italian_booleans(checker: UnitChecker) -> None:
    cells = _DEFAULTS | {"monthly_rent_eur": "280,50", "surface_m2": "55,5", "lift": "sì"}
    text = (
        "\ufeff" + ";".join(CSV_COLUMNS) + "\r\n" + ";".join(cells.get(c, "") for c in CSV_COLUMNS)
    )
    report = run(checker, text)
    (row,) = report.rows
    assert row.status is RowStatus.CREATED, row.errors
    assert row.unit is not None
    assert (row.unit.rent_cents, row.unit.surface_tenths, row.unit.lift) == (28050, 555, True)


def test_quoted_multiline_notes(checker: UnitChecker) -> None:
    text = HEADER + "\n" + csv_row(notes='"Primo piano,\nniente figli"')
    (row,) = run(checker, text).rows
    assert row.status is RowStatus.CREATED
    assert row.assessment is not None
    assert row.assessment.review_keywords == ("niente figli",)


def test_extra_cells_are_a_row_error(checker: UnitChecker) -> None:
    (row,) = run(checker, HEADER + "\n" + csv_row() + ",surplus").rows
    assert (row.status, row.errors[0].code) == (RowStatus.ERROR, "extra_cells")


def test_json_lines(checker: UnitChecker, make_unit: UnitFactory) -> None:
    lines = [
        json.dumps(make_unit(unit_reference="J1")),
        "{not json",
        "[1, 2]",
        json.dumps(make_unit(unit_reference="J2", filters={"nationality": "IT"})),
        "",
        json.dumps(make_unit(unit_reference="J3")),
    ]
    report = run(checker, "\n".join(lines), fmt=ImportFormat.JSONL)
    assert [(r.row, r.status, [e.code for e in r.errors]) for r in report.rows] == [
        (1, RowStatus.CREATED, []),
        (2, RowStatus.ERROR, ["json_invalid"]),
        (3, RowStatus.ERROR, ["object_expected"]),
        (4, RowStatus.ERROR, ["prohibited_landlord_filter"]),
        (6, RowStatus.CREATED, []),
    ]
    assert report.rows[3].errors[0].pointer == "/rows/4/filters/nationality"


def test_too_many_rows_rejects_the_file(checker: UnitChecker) -> None:
    limit = checker.rules.units.import_max_rows
    text = "\n".join([HEADER, *(csv_row(unit_reference=str(i)) for i in range(limit + 1))])
    report = run(checker, text)
    assert (report.rows, [e.code for e in report.file_errors]) == ((), ["too_many_rows"])


def test_file_limits(checker: UnitChecker) -> None:
    too_big = b"x" * (checker.rules.units.import_max_bytes + 1)
    report = import_units(
        content=too_big, fmt=ImportFormat.CSV, landlord_id=LANDLORD, existing={}, checker=checker
    )
    assert [e.code for e in report.file_errors] == ["import_too_large"]
    latin1 = (HEADER + "\n" + csv_row(address="Via Università 1")).encode("latin-1")
    report = import_units(
        content=latin1, fmt=ImportFormat.CSV, landlord_id=LANDLORD, existing={}, checker=checker
    )
    assert [e.code for e in report.file_errors] == ["encoding"]


@pytest.mark.parametrize("fmt", [ImportFormat.CSV, ImportFormat.JSONL])
def test_five_thousand_rows_parse_and_validate(
    checker: UnitChecker, make_unit: UnitFactory, fmt: ImportFormat, record_property: Any
) -> None:
    limit = checker.rules.units.import_max_rows
    comuni = sorted(checker.rules.comune_names - {checker.rules.capofila})
    if fmt is ImportFormat.CSV:
        rows = [
            csv_row(unit_reference=f"R{i}", monthly_rent_eur=f"{250 + i % 40}.{i % 100:02d}")
            if i % 10
            else csv_row(
                unit_reference=f"R{i}",
                comune=comuni[i % len(comuni)],
                zone="",
                monthly_rent_eur="230",
            )
            for i in range(limit)
        ]
        text = "\n".join([HEADER, *rows])
    else:
        text = "\n".join(
            json.dumps(make_unit(unit_reference=f"R{i}", monthly_rent_eur=f"{250 + i % 40}.00"))
            for i in range(limit)
        )
    start = time.perf_counter()
    report = run(checker, text, fmt=fmt)
    elapsed = time.perf_counter() - start
    record_property("import_5000_rows_seconds", round(elapsed, 3))
    assert report.count(RowStatus.CREATED) == limit  # how fast: `make bench` (unit_import.py)
    again = run(checker, text, fmt=fmt, existing=known(report))
    assert again.count(RowStatus.UNCHANGED) == limit
