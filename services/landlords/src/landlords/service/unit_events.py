"""The events a unit's submission emits."""

from __future__ import annotations

import uuid
from datetime import datetime

from landlords.models import Unit
from shared.events.landlords import UnitSubmitted


def submitted_event(row: Unit, *, now: datetime) -> UnitSubmitted:
    return submitted_event_of(
        unit_id=row.id,
        landlord_id=row.landlord_id,
        entity_version=row.entity_version,
        status=row.status,
        comune=row.comune,
        held_for_review=row.held_for_review,
        unit_reference=row.unit_reference,
        now=now,
    )


def submitted_event_of(
    *,
    unit_id: uuid.UUID,
    landlord_id: uuid.UUID,
    entity_version: int,
    status: str,
    comune: str,
    held_for_review: bool,
    unit_reference: str | None,
    now: datetime,
) -> UnitSubmitted:
    return UnitSubmitted(
        occurred_at=now,
        entity_version=entity_version,
        unit_id=unit_id,
        landlord_id=landlord_id,
        status="in_verification" if status == "in_verification" else "submitted",
        comune=comune,
        held_for_review=held_for_review,
        unit_reference=unit_reference or None,  # the landlord's label, for its own messages
    )
