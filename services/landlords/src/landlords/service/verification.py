"""A caseworker's verification of a unit: take it up, correct, approve, needs works or reject."""

from __future__ import annotations

import uuid
from datetime import datetime

from landlords.errors import VerificationNotAllowed
from landlords.service.unit_changes import apply_change, parse_merged
from landlords.service.unit_facts import merge_patch, published_event, staff_view, submission_of
from landlords.service.units import visible_unit
from landlords.unit_rules import UnitChecker
from landlords.unit_views import UnitStaffView, VerificationOutcome
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import FieldError, Invalid
from shared.events.landlords import UnitRejected

# The statuses each outcome may follow (DOMAIN 2.2).
ALLOWED_FROM = {
    "in_verification": frozenset({"submitted"}),
    "approve": frozenset({"submitted", "in_verification", "needs_works"}),
    "needs_works": frozenset({"submitted", "in_verification", "published"}),
    "reject": frozenset({"submitted", "in_verification", "needs_works", "published"}),
}
RESULT = {
    "in_verification": "in_verification",
    "approve": "published",
    "needs_works": "needs_works",
    "reject": "rejected",
}


async def verify_unit(
    uow: UnitOfWork,
    *,
    checker: UnitChecker,
    unit_id: uuid.UUID,
    principal: Principal,
    step: VerificationOutcome,
    now: datetime,
) -> UnitStaffView:
    row = await visible_unit(uow, unit_id=unit_id, principal=principal, for_update=True)
    if row.status not in ALLOWED_FROM[step.outcome]:
        raise VerificationNotAllowed()
    if step.outcome == "reject" and step.reason_code is None:
        raise Invalid(
            [FieldError("/body/reason_code", "missing", "A rejection needs a reason code.")]
        )
    if step.corrections is not None:
        changes = step.corrections.model_dump(exclude_unset=True)
        unit, assessment = parse_merged(
            checker=checker,
            merged=merge_patch(submission_of(row), changes),
            prefix="/body/corrections",
        )
        # Corrections during verification do not resubmit the unit: the caseworker is verifying it.
        await apply_change(uow, row=row, unit=unit, assessment=assessment, now=now, announce=False)
    publishes = step.outcome in ("approve", "needs_works")
    if publishes and row.held_for_review and not step.notes_reviewed:
        raise Invalid(
            [
                FieldError(
                    "/body/notes_reviewed",
                    "notes_review_required",
                    "The notes were held for review: confirm they were reviewed and cleared.",
                )
            ]
        )
    row.status = RESULT[step.outcome]
    if publishes:
        row.held_for_review = False
    row.verification_outcome = step.outcome
    row.verification_reason = step.reason_code
    row.verification_note = step.note
    row.verified_by = principal.id
    row.verified_at = now
    row.entity_version += 1
    row.updated_at = now
    aggregate = str(row.id)
    if publishes:
        uow.emit(published_event(row, now=now), aggregate_id=aggregate)
    elif step.outcome == "reject":
        uow.emit(
            UnitRejected(
                occurred_at=now,
                entity_version=row.entity_version,
                unit_id=row.id,
                landlord_id=row.landlord_id,
                reason_code=step.reason_code or "",
            ),
            aggregate_id=aggregate,
        )
    return staff_view(row)
