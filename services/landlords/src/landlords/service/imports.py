"""Bulk unit import through the API: each row on its own; a re-sent file creates no duplicates."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from landlords import repository
from landlords.errors import UnitAlreadyExists, UnitNotEditable
from landlords.importing import ImportFormat, RowResult, RowStatus, import_units
from landlords.service.unit_changes import apply_change
from landlords.service.unit_events import submitted_event_of
from landlords.service.units import check_daily_quota, new_unit_values
from landlords.unit_rules import UnitChecker
from landlords.unit_views import ImportResultView, ImportRowView, Problem
from shared.db import UnitOfWork
from shared.errors import FieldError, Invalid

FORMATS = {
    "text/csv": ImportFormat.CSV,
    "application/x-ndjson": ImportFormat.JSONL,
    "application/jsonl": ImportFormat.JSONL,
    "application/json": ImportFormat.JSONL,
}


def format_of(content_type: str | None) -> ImportFormat:
    media = (content_type or "").split(";")[0].strip().lower()
    fmt = FORMATS.get(media)
    if fmt is None:
        raise Invalid(
            [
                FieldError(
                    "/header/content-type",
                    "import_format",
                    "Send text/csv or application/x-ndjson (JSON lines).",
                )
            ]
        )
    return fmt


def _problems(errors: tuple[FieldError, ...]) -> list[Problem]:
    return [Problem(**e.as_dict()) for e in errors]


async def import_file(
    uow: UnitOfWork,
    *,
    checker: UnitChecker,
    landlord_id: uuid.UUID,
    content: bytes,
    fmt: ImportFormat,
    new_id: Callable[[], uuid.UUID],
    daily_limit: int,
    now: datetime,
) -> ImportResultView:
    index = await repository.unit_index(uow.session, landlord_id=landlord_id)
    report = import_units(
        content=content,
        fmt=fmt,
        landlord_id=landlord_id,
        existing={k: h for k, (_, h, _) in index.items()},
        checker=checker,
    )
    if report.file_errors:
        raise Invalid(list(report.file_errors))
    created = [r for r in report.rows if r.status is RowStatus.CREATED]
    await check_daily_quota(
        uow, landlord_id=landlord_id, adding=len(created), limit=daily_limit, now=now
    )
    views: list[ImportRowView] = []
    inserts = []
    for result in report.rows:
        if result.status is RowStatus.CREATED:
            assert result.unit is not None
            assert result.assessment is not None
            assert result.natural_key is not None
            assert result.content_hash is not None
            values = new_unit_values(
                unit_id=new_id(),
                landlord_id=landlord_id,
                unit=result.unit,
                assessment=result.assessment,
                now=now,
                keys=(result.natural_key, result.content_hash),
            )
            inserts.append(values)
            views.append(_row(result, unit_id=values["id"]))
        elif result.status is RowStatus.UPDATED:
            assert result.natural_key is not None
            unit_id = index[result.natural_key][0]
            views.append(
                await _update(uow, result=result, landlord_id=landlord_id, unit_id=unit_id, now=now)
            )
        elif result.status is RowStatus.UNCHANGED:
            assert result.natural_key is not None
            views.append(_row(result, unit_id=index[result.natural_key][0]))
        else:
            views.append(_row(result, unit_id=None))
    await repository.add_units(uow.session, units=inserts)
    for values in inserts:
        event = submitted_event_of(
            unit_id=values["id"],
            landlord_id=landlord_id,
            entity_version=values["entity_version"],
            status=values["status"],
            comune=values["comune"],
            held_for_review=values["held_for_review"],
            unit_reference=values.get("unit_reference"),
            now=now,
        )
        uow.emit(event, aggregate_id=str(values["id"]))
    counts = {s: sum(1 for v in views if v.status == s) for s in RowStatus}
    return ImportResultView(
        created=counts[RowStatus.CREATED],
        updated=counts[RowStatus.UPDATED],
        unchanged=counts[RowStatus.UNCHANGED],
        errors=counts[RowStatus.ERROR],
        rows=views,
    )


def _row(result: RowResult, *, unit_id: uuid.UUID | None) -> ImportRowView:
    return ImportRowView(
        row=result.row,
        status=result.status.value,
        unit_id=unit_id,
        errors=_problems(result.errors),
        warnings=_problems(result.warnings),
    )


async def _update(
    uow: UnitOfWork,
    *,
    result: RowResult,
    landlord_id: uuid.UUID,
    unit_id: uuid.UUID,
    now: datetime,
) -> ImportRowView:
    assert result.unit is not None
    assert result.assessment is not None
    row = await repository.get_unit(
        uow.session, unit_id=unit_id, landlord_id=landlord_id, for_update=True
    )
    assert row is not None
    try:
        await apply_change(uow, row=row, unit=result.unit, assessment=result.assessment, now=now)
    except (UnitNotEditable, UnitAlreadyExists) as exc:
        error = FieldError(f"/rows/{result.row}", "unit_not_editable", exc.title)
        return ImportRowView(
            row=result.row, status="error", unit_id=unit_id, errors=_problems((error,))
        )
    return _row(result, unit_id=unit_id)
