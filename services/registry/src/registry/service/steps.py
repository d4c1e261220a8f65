"""Application steps: submit a draft, record the document check, withdraw."""

from __future__ import annotations

import uuid
from datetime import datetime

from registry import audit, repository
from registry.audit import Actor
from registry.errors import HouseholdClosed, NotADraft
from registry.rules_policy import RegistryRules
from registry.schemas import WithdrawIn
from registry.service import assessing, views
from registry.service import statuses as status_service
from registry.service.households import CLOSED, load, load_fields
from registry.status import HouseholdStatus
from registry.views import HouseholdCaseworkerView
from shared.db import UnitOfWork
from shared.events.registry import HouseholdWithdrawn


async def submit(
    uow: UnitOfWork, *, household_id: uuid.UUID, rules: RegistryRules, actor: Actor, now: datetime
) -> HouseholdCaseworkerView:
    household = await load(uow, household_id=household_id, for_update=True)
    if household.state != "draft":
        raise NotADraft()
    status_service.touch(household, now=now)
    household.state = "submitted"
    household.application_time = now
    today = assessing.local_today(now)
    for row in (await status_service.statuses(uow, household=household)).values():
        await status_service.change(
            uow,
            household=household,
            row=row,
            to=HouseholdStatus.SUBMITTED,
            actor=actor,
            reason_code="submitted",
            today=today,
            now=now,
            emit=False,
        )
    fields = await load_fields(uow, household=household)
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
        action="household.submit",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return await views.caseworker_view(uow, household=household, fields=fields, rules=rules)


async def verify(
    uow: UnitOfWork, *, household_id: uuid.UUID, rules: RegistryRules, actor: Actor, now: datetime
) -> HouseholdCaseworkerView:
    """The caseworker checked the documents: submitted → verified → eligible | ineligible."""
    household = await load(uow, household_id=household_id, for_update=True)
    status_service.touch(household, now=now)
    today = assessing.local_today(now)
    for row in (await status_service.statuses(uow, household=household)).values():
        await status_service.change(
            uow,
            household=household,
            row=row,
            to=HouseholdStatus.VERIFIED,
            actor=actor,
            reason_code="documents_verified",
            today=today,
            now=now,
            # The re-assessment below always moves on to eligible or ineligible at this same
            # entity version; consumers keep the first event of a version, so only the outcome
            # may be published (otherwise matching would see "verified" for ever).
            emit=False,
        )
    fields = await load_fields(uow, household=household)
    derived = await assessing.reassess(
        uow, household=household, fields=fields, rules=rules, actor=actor, now=now
    )
    await assessing.publish(
        uow, household=household, fields=fields, derived=derived, rules=rules, now=now
    )
    await audit.append(
        uow,
        actor=actor,
        action="household.verify",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return await views.caseworker_view(uow, household=household, fields=fields, rules=rules)


async def withdraw(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    data: WithdrawIn,
    rules: RegistryRules,
    actor: Actor,
    now: datetime,
) -> HouseholdCaseworkerView:
    household = await load(uow, household_id=household_id, for_update=True)
    if household.state in CLOSED:
        raise HouseholdClosed()
    status_service.touch(household, now=now)
    today = assessing.local_today(now)
    for row in (await status_service.statuses(uow, household=household)).values():
        if row.status != HouseholdStatus.HOUSED:
            await status_service.change(
                uow,
                household=household,
                row=row,
                to=HouseholdStatus.WITHDRAWN,
                actor=actor,
                reason_code=data.reason_code,
                today=today,
                now=now,
            )
    was_draft = household.state == "draft"
    household.state = "withdrawn"
    household.closed_at = now
    await repository.deactivate_members(uow.session, household_id=household.id)
    if not was_draft:
        uow.emit(
            HouseholdWithdrawn(
                occurred_at=now,
                household_id=household.id,
                entity_version=household.entity_version,
                reason_code=data.reason_code,
            ),
            aggregate_id=str(household.id),
        )
    await audit.append(
        uow,
        actor=actor,
        action="household.withdraw",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    fields = await load_fields(uow, household=household)
    return await views.caseworker_view(uow, household=household, fields=fields, rules=rules)
