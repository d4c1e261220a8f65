"""SQL of household link claims (RELIABILITY.md 3.1): jti rows, never tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matching.models import LinkToken


async def add_tokens(session: AsyncSession, *, tokens: list[LinkToken]) -> None:
    session.add_all(tokens)
    await session.flush()


async def get_token(session: AsyncSession, *, jti: str) -> LinkToken | None:
    return await session.get(LinkToken, jti)


async def live_view_token(
    session: AsyncSession, *, offer_id: uuid.UUID, now: datetime
) -> LinkToken | None:
    result = await session.execute(
        select(LinkToken)
        .where(
            col(LinkToken.offer_id) == offer_id,
            col(LinkToken.purpose) == "offer.view",
            col(LinkToken.expires_at) > now,
        )
        .order_by(col(LinkToken.created_at).desc())
    )
    return result.scalars().first()


async def use_token(session: AsyncSession, *, jti: str, now: datetime) -> bool:
    """Single use: only the first caller sees one row updated."""
    result = await session.execute(
        update(LinkToken)
        .where(
            col(LinkToken.jti) == jti,
            col(LinkToken.used_at).is_(None),
            col(LinkToken.expires_at) > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_tokens_of_household(session: AsyncSession, *, household_id: uuid.UUID) -> None:
    await session.execute(delete(LinkToken).where(col(LinkToken.household_id) == household_id))
