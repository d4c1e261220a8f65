"""All of the matching service's SQL."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matching.models import HouseholdProfile


async def get_profile(session: AsyncSession, *, household_id: uuid.UUID) -> HouseholdProfile | None:
    return await session.get(HouseholdProfile, household_id)


async def save_profile(session: AsyncSession, *, profile: HouseholdProfile) -> None:
    session.add(profile)
    await session.flush()


async def delete_profile(session: AsyncSession, *, household_id: uuid.UUID) -> None:
    await session.execute(
        delete(HouseholdProfile).where(col(HouseholdProfile.household_id) == household_id)
    )


async def count_profiles_by_comune(session: AsyncSession) -> dict[str, int]:
    comune = func.coalesce(col(HouseholdProfile.residence_comune), "")
    rows = (await session.execute(select(comune, func.count()).group_by(comune))).all()
    return {str(name): int(count) for name, count in rows}
