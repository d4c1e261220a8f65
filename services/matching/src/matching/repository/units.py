"""SQL of the published-units read model."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matching.models import UnitListing


async def get_unit(session: AsyncSession, *, unit_id: uuid.UUID) -> UnitListing | None:
    return await session.get(UnitListing, unit_id)


async def save_unit(session: AsyncSession, *, unit: UnitListing) -> None:
    session.add(unit)
    await session.flush()


async def list_matchable_units(session: AsyncSession, *, programme: str) -> list[UnitListing]:
    result = await session.execute(
        select(UnitListing)
        .where(
            col(UnitListing.programme) == programme,
            col(UnitListing.status).in_(("published", "needs_works")),
        )
        .order_by(col(UnitListing.unit_id))
    )
    return list(result.scalars())


async def count_matchable_units(session: AsyncSession) -> int:
    result = await session.execute(
        select(col(UnitListing.unit_id)).where(
            col(UnitListing.status).in_(("published", "needs_works"))
        )
    )
    return len(result.all())
