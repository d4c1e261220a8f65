"""All of the landlords service's SQL; landlord-owned rows are always filtered by landlord_id in SQL."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from landlords.models import ApiKey, Landlord


async def add_landlord(session: AsyncSession, *, landlord: Landlord, key: ApiKey) -> None:
    session.add(landlord)
    await session.flush()
    session.add(key)
    await session.flush()


async def get_landlord(session: AsyncSession, *, landlord_id: uuid.UUID) -> Landlord | None:
    return await session.get(Landlord, landlord_id)


async def list_landlords(session: AsyncSession, *, limit: int) -> list[Landlord]:
    query = select(Landlord).order_by(col(Landlord.created_at), col(Landlord.id)).limit(limit)
    return list((await session.execute(query)).scalars())


async def active_key(session: AsyncSession, *, key_id: str) -> ApiKey | None:
    query = select(ApiKey).where(col(ApiKey.key_id) == key_id, col(ApiKey.revoked_at).is_(None))
    return (await session.execute(query)).scalars().first()


async def touch_key(session: AsyncSession, *, key_id: str, now: datetime) -> None:
    await session.execute(
        update(ApiKey).where(col(ApiKey.key_id) == key_id).values(last_used_at=now)
    )
