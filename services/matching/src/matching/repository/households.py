"""SQL of the household read model and its erasure tombstones."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matching.models import ErasedHousehold, HouseholdProfile
from shared.db import InfraTables


async def get_profile(session: AsyncSession, *, household_id: uuid.UUID) -> HouseholdProfile | None:
    return await session.get(HouseholdProfile, household_id)


async def save_profile(session: AsyncSession, *, profile: HouseholdProfile) -> None:
    session.add(profile)
    await session.flush()


async def list_profiles(session: AsyncSession) -> list[HouseholdProfile]:
    result = await session.execute(
        select(HouseholdProfile).order_by(col(HouseholdProfile.household_id))
    )
    return list(result.scalars())


async def delete_profile(session: AsyncSession, *, household_id: uuid.UUID) -> None:
    await session.execute(
        delete(HouseholdProfile).where(col(HouseholdProfile.household_id) == household_id)
    )


async def is_erased(session: AsyncSession, *, household_id: uuid.UUID) -> bool:
    return await session.get(ErasedHousehold, household_id) is not None


async def add_tombstone(session: AsyncSession, *, tombstone: ErasedHousehold) -> None:
    await session.merge(tombstone)
    await session.flush()


async def delete_infra_mentions(session: AsyncSession, *, infra: InfraTables, text_id: str) -> None:
    """Idempotency records and published outbox rows that name the household (erasure)."""
    await session.execute(
        delete(infra.idempotency).where(infra.idempotency.c.response_body.contains(text_id))
    )
    await session.execute(
        delete(infra.outbox).where(
            infra.outbox.c.published_at.is_not(None), infra.outbox.c.payload.contains(text_id)
        )
    )
