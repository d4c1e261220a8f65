"""All of the registry's SQL."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from registry.models import ErasureConfirmation, Household


async def add_household(session: AsyncSession, *, household: Household) -> None:
    session.add(household)
    await session.flush()


async def get_household(session: AsyncSession, *, household_id: uuid.UUID) -> Household | None:
    return await session.get(Household, household_id)


async def list_households(
    session: AsyncSession, *, status: str | None, after: uuid.UUID | None, limit: int
) -> list[Household]:
    query = select(Household).order_by(col(Household.id)).limit(limit)
    if status is not None:
        query = query.where(col(Household.status) == status)
    if after is not None:
        query = query.where(col(Household.id) > after)
    return list((await session.execute(query)).scalars())


async def add_erasure_confirmation(session: AsyncSession, *, row: ErasureConfirmation) -> None:
    if await session.get(ErasureConfirmation, (row.erasure_id, row.service)) is None:
        session.add(row)
        await session.flush()
