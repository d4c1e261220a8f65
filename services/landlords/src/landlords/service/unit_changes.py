"""Changing a unit's facts: merge, re-validate, and announce what the change means for matching."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from landlords import repository
from landlords.errors import UnitAlreadyExists, UnitNotEditable
from landlords.models import Unit
from landlords.service.unit_events import submitted_event
from landlords.service.unit_facts import LIGHT_FIELDS, fact_values, published_event, submission_of
from landlords.unit_rules import UnitAssessment, UnitChecker
from landlords.unit_schemas import UnitCreate, errors_from_validation
from shared.db import UnitOfWork
from shared.errors import Invalid
from shared.events.landlords import UnitWithdrawn

FROZEN_STATUSES = frozenset({"offered", "let", "withdrawn"})
ANNOUNCED_STATUSES = frozenset({"published", "needs_works"})


def parse_merged(
    *, checker: UnitChecker, merged: dict[str, Any], prefix: str
) -> tuple[UnitCreate, UnitAssessment]:
    try:
        unit = UnitCreate.model_validate(merged)
    except ValidationError as exc:
        raise Invalid(errors_from_validation(exc, prefix=prefix)) from None
    return unit, checker.require_valid(unit=unit, prefix=prefix)


async def apply_change(
    uow: UnitOfWork,
    *,
    row: Unit,
    unit: UnitCreate,
    assessment: UnitAssessment,
    now: datetime,
    announce: bool = True,
) -> bool:
    """Apply new facts to a unit and announce what changed; False when nothing did.

    With `announce=False` (a caseworker's corrections during verification) the facts change and
    the status stays: the verification outcome that follows announces the unit.
    """
    if row.status in FROZEN_STATUSES:
        raise UnitNotEditable()
    values = fact_values(landlord_id=row.landlord_id, unit=unit, assessment=assessment)
    if values["content_hash"] == row.content_hash:
        return False
    if values["natural_key"] != row.natural_key and await repository.natural_key_taken(
        uow.session, natural_key=values["natural_key"], other_than=row.id
    ):
        raise UnitAlreadyExists()
    before = submission_of(row)
    changed = {k for k, v in submission_of_values(unit).items() if before.get(k) != v}
    for name, value in values.items():
        setattr(row, name, value)
    row.entity_version += 1
    row.updated_at = now
    if not announce:
        return True
    aggregate = str(row.id)
    if row.status in ANNOUNCED_STATUSES:
        if row.status == "published" and changed <= LIGHT_FIELDS and not row.held_for_review:
            uow.emit(published_event(row, now=now), aggregate_id=aggregate)
            return True
        # Any other change takes the unit off the market until a caseworker verifies it again.
        uow.emit(
            UnitWithdrawn(
                occurred_at=now,
                entity_version=row.entity_version,
                unit_id=row.id,
                landlord_id=row.landlord_id,
                reason_code="RESUBMITTED",
            ),
            aggregate_id=aggregate,
        )
    resubmitted = row.status in ANNOUNCED_STATUSES or row.status == "rejected"
    if row.held_for_review:
        resubmitted = resubmitted or row.status != "in_verification"
        row.status = "in_verification"
    elif resubmitted:
        row.status = "submitted"
    if resubmitted:
        uow.emit(submitted_event(row, now=now), aggregate_id=aggregate)
    return True


def submission_of_values(unit: UnitCreate) -> dict[str, Any]:
    data = unit.model_dump()
    data["filters"] = {k: v for k, v in unit.filters.model_dump().items() if v is not None}
    data["contract_type"] = unit.contract_type.value
    return data
