"""The matching service's use cases; they never commit (the boundary does)."""

from __future__ import annotations

import uuid
from datetime import datetime

from matching import repository
from matching.models import HouseholdProfile
from matching.schemas import PolicyView, PoolView
from shared.db import UnitOfWork
from shared.events import matching, registry
from shared.policy import Policy


async def apply_household_registered(
    uow: UnitOfWork, *, event: registry.HouseholdRegistered, now: datetime
) -> None:
    """Upsert the profile; an older or equal version (a redelivery out of order) changes nothing."""
    current = await repository.get_profile(uow.session, household_id=event.household_id)
    if current is not None and current.entity_version >= event.entity_version:
        return
    profile = current or HouseholdProfile(
        household_id=event.household_id,
        entity_version=event.entity_version,
        size=event.size,
        application_time=event.application_time,
        updated_at=now,
    )
    profile.entity_version = event.entity_version
    profile.size = event.size
    profile.residence_comune = event.residence_comune
    profile.application_time = event.application_time
    profile.updated_at = now
    await repository.save_profile(uow.session, profile=profile)


async def erase_household(
    uow: UnitOfWork, *, household_id: uuid.UUID, erasure_id: uuid.UUID, now: datetime
) -> None:
    await repository.delete_profile(uow.session, household_id=household_id)
    uow.emit(
        matching.HouseholdErasureConfirmed(
            household_id=household_id, erasure_id=erasure_id, occurred_at=now
        )
    )


async def pool(uow: UnitOfWork) -> PoolView:
    by_comune = await repository.count_profiles_by_comune(uow.session)
    return PoolView(households=sum(by_comune.values()), households_by_comune=by_comune)


def policies(policy: Policy) -> list[PolicyView]:
    return [PolicyView(version=policy.version, sections=sorted(policy.raw))]
