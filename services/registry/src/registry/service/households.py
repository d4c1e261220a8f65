"""Households: register, submit, read, list, update, verify, withdraw."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from registry import audit, repository
from registry.audit import Actor
from registry.errors import (
    DuplicateApplication,
    HouseholdClosed,
    HouseholdInvalid,
    HouseholdNotFound,
)
from registry.models import Household
from registry.profile import validation_errors
from registry.rules_policy import RegistryRules
from registry.schemas import HouseholdCreate, HouseholdFields, HouseholdUpdate
from registry.service import assessing, views
from registry.service import statuses as status_service
from registry.service.records import codici, fields_of, people_rows, write_fields
from registry.views import HouseholdCaseworkerView, HouseholdPage
from shared.db import UnitOfWork

CLOSED = ("withdrawn", "erased")


async def load(uow: UnitOfWork, *, household_id: uuid.UUID, for_update: bool = False) -> Household:
    row = await repository.get_household(
        uow.session, household_id=household_id, for_update=for_update
    )
    if row is None:
        raise HouseholdNotFound()
    return row


async def load_fields(uow: UnitOfWork, *, household: Household) -> HouseholdFields:
    members = await repository.members_of(uow.session, household_id=household.id)
    disabilities = await repository.disabilities_of(uow.session, household_id=household.id)
    return fields_of(household, members, disabilities)


async def _store_people(uow: UnitOfWork, *, household: Household, fields: HouseholdFields) -> None:
    """Replace the people; the partial unique index on active codici is the duplicate guard."""
    existing = await repository.active_application_with(
        uow.session, codici=codici(fields), excluding=household.id
    )
    if existing is not None:
        raise DuplicateApplication(existing)
    members, disabilities = people_rows(household.id, fields)
    try:
        async with uow.session.begin_nested():
            await repository.replace_people(
                uow.session, household_id=household.id, members=members, disabilities=disabilities
            )
    except IntegrityError:
        # A concurrent registration won the race between the check and the insert.
        raced = await repository.active_application_with(
            uow.session, codici=codici(fields), excluding=household.id
        )
        raise DuplicateApplication(raced) from None


async def register(
    uow: UnitOfWork,
    *,
    data: HouseholdCreate,
    rules: RegistryRules,
    actor: Actor,
    household_id: uuid.UUID,
    now: datetime,
) -> HouseholdCaseworkerView:
    fields = HouseholdFields.model_validate(data.model_dump(exclude={"submit"}))
    errors = validation_errors(
        fields, rules=rules, today=assessing.local_today(now), strict_isee=True
    )
    if errors:
        raise HouseholdInvalid(errors)
    state = "submitted" if data.submit else "draft"
    household = Household(
        id=household_id,
        state=state,
        size=1,
        language=fields.language,
        entity_version=1,
        application_time=now if data.submit else None,
        created_by=actor.id[:100],
        created_at=now,
        updated_at=now,
    )
    write_fields(household, fields)
    await repository.add(uow.session, household)
    await repository.add(uow.session, *assessing.initial_statuses(household, status=state, now=now))
    await _store_people(uow, household=household, fields=fields)
    derived = await assessing.reassess(
        uow, household=household, fields=fields, rules=rules, actor=actor, now=now
    )
    await assessing.publish(
        uow,
        household=household,
        fields=fields,
        derived=derived,
        rules=rules,
        now=now,
        registered=True,
        assessed=False,  # the outcome is told once verified (EligibilityAssessed then)
    )
    await audit.append(
        uow,
        actor=actor,
        action="household.create",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return await views.caseworker_view(uow, household=household, fields=fields, rules=rules)


async def read(
    uow: UnitOfWork, *, household_id: uuid.UUID, rules: RegistryRules, actor: Actor, now: datetime
) -> HouseholdCaseworkerView:
    """The full record; a read of special-category data, so it is audited."""
    household = await load(uow, household_id=household_id)
    if household.state == "erased":
        raise HouseholdNotFound()
    fields = await load_fields(uow, household=household)
    await audit.append(
        uow,
        actor=actor,
        action="household.read",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return await views.caseworker_view(uow, household=household, fields=fields, rules=rules)


def _decode_cursor(cursor: str | None) -> tuple[int, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode())
        return int.from_bytes(raw[:4], "big", signed=True), uuid.UUID(bytes=raw[4:20])
    except ValueError:
        return None


def _encode_cursor(score: int, household_id: uuid.UUID) -> str:
    raw = score.to_bytes(4, "big", signed=True) + household_id.bytes
    return base64.urlsafe_b64encode(raw).decode()


async def list_page(
    uow: UnitOfWork,
    *,
    status: str | None,
    programme: str | None,
    comune: str | None,
    category: str | None,
    cursor: str | None,
    limit: int,
    actor: Actor,
    now: datetime,
) -> HouseholdPage:
    rows = await repository.list_households(
        uow.session,
        status=status,
        programme=programme,
        comune=comune,
        category=category,
        after=_decode_cursor(cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    await audit.append(
        uow,
        actor=actor,
        action="household.list",
        object_type="household",
        object_id=None,
        now=now,
    )
    return HouseholdPage(
        items=await views.summaries(uow, households=rows),
        next_cursor=_encode_cursor(last.priority_score, last.id) if more and last else None,
    )


async def update(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    patch: HouseholdUpdate,
    rules: RegistryRules,
    actor: Actor,
    now: datetime,
) -> HouseholdCaseworkerView:
    """Merge the patch, re-validate, re-assess and re-emit the profile with a newer version."""
    household = await load(uow, household_id=household_id, for_update=True)
    if household.state in CLOSED:
        raise HouseholdClosed()
    current = await load_fields(uow, household=household)
    given = patch.model_dump(exclude_unset=True)
    merged = HouseholdFields.model_validate({**current.model_dump(), **given})
    errors = validation_errors(
        merged, rules=rules, today=assessing.local_today(now), strict_isee="isee" in given
    )
    if errors:
        raise HouseholdInvalid(errors)
    status_service.touch(household, now=now)
    write_fields(household, merged)
    if {"applicant", "members"} & given.keys():
        await _store_people(uow, household=household, fields=merged)
    derived = await assessing.reassess(
        uow, household=household, fields=merged, rules=rules, actor=actor, now=now
    )
    await assessing.publish(
        uow, household=household, fields=merged, derived=derived, rules=rules, now=now
    )
    await audit.append(
        uow,
        actor=actor,
        action="household.update",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return await views.caseworker_view(uow, household=household, fields=merged, rules=rules)
