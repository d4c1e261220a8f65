"""SQL of rounds and their outcomes (proposals and explanations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matching.models import Round, RoundOutcome


async def add_round(session: AsyncSession, *, round_: Round) -> None:
    session.add(round_)
    await session.flush()


async def get_round(session: AsyncSession, *, round_id: uuid.UUID) -> Round | None:
    return await session.get(Round, round_id)


async def list_rounds(
    session: AsyncSession, *, after: uuid.UUID | None, limit: int, status: str | None
) -> list[Round]:
    query = select(Round).order_by(col(Round.id)).limit(limit)
    if after is not None:
        query = query.where(col(Round.id) > after)
    if status is not None:
        query = query.where(col(Round.status) == status)
    return list((await session.execute(query)).scalars())


async def running_for_scope(session: AsyncSession, *, scope_key: str) -> Round | None:
    result = await session.execute(
        select(Round).where(col(Round.scope_key) == scope_key, col(Round.status) == "running")
    )
    return result.scalars().first()


async def due_round_ids(session: AsyncSession, *, now: datetime) -> list[uuid.UUID]:
    """Running rounds nobody holds: never leased, or the lease ran out (a killed worker)."""
    result = await session.execute(
        select(col(Round.id))
        .where(
            col(Round.status) == "running",
            or_(col(Round.lease_until).is_(None), col(Round.lease_until) < now),
        )
        .order_by(col(Round.created_at))
    )
    return [r for (r,) in result.all()]


async def lease_round(
    session: AsyncSession, *, round_id: uuid.UUID, now: datetime, until: datetime
) -> bool:
    """Take the lease if free or expired; exactly one worker wins."""
    result = await session.execute(
        update(Round)
        .where(
            col(Round.id) == round_id,
            col(Round.status) == "running",
            or_(col(Round.lease_until).is_(None), col(Round.lease_until) < now),
        )
        .values(lease_until=until, attempts=col(Round.attempts) + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def renew_lease(session: AsyncSession, *, round_id: uuid.UUID, until: datetime) -> None:
    await session.execute(
        update(Round)
        .where(col(Round.id) == round_id, col(Round.status) == "running")
        .values(lease_until=until)
    )


async def finish_round(
    session: AsyncSession, *, round_id: uuid.UUID, values: dict[str, Any]
) -> bool:
    """running -> completed|failed, once: a second worker's result is refused by the status guard."""
    result = await session.execute(
        update(Round)
        .where(col(Round.id) == round_id, col(Round.status) == "running")
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def approve_round(
    session: AsyncSession, *, round_id: uuid.UUID, by: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Round)
        .where(col(Round.id) == round_id, col(Round.status) == "completed")
        .values(status="approved", approved_by=by, approved_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def add_outcomes(session: AsyncSession, *, outcomes: list[RoundOutcome]) -> None:
    session.add_all(outcomes)
    await session.flush()


async def list_outcomes(session: AsyncSession, *, round_id: uuid.UUID) -> list[RoundOutcome]:
    result = await session.execute(
        select(RoundOutcome)
        .where(col(RoundOutcome.round_id) == round_id)
        .order_by(col(RoundOutcome.household_id))
    )
    return list(result.scalars())


async def get_outcome(
    session: AsyncSession, *, round_id: uuid.UUID, household_id: uuid.UUID
) -> RoundOutcome | None:
    result = await session.execute(
        select(RoundOutcome).where(
            col(RoundOutcome.round_id) == round_id,
            col(RoundOutcome.household_id) == household_id,
        )
    )
    return result.scalars().first()


async def outcomes_of_household(
    session: AsyncSession, *, household_id: uuid.UUID
) -> list[RoundOutcome]:
    result = await session.execute(
        select(RoundOutcome)
        .where(col(RoundOutcome.household_id) == household_id)
        .order_by(col(RoundOutcome.id))
    )
    return list(result.scalars())


async def delete_outcomes_of_household(session: AsyncSession, *, household_id: uuid.UUID) -> None:
    await session.execute(
        delete(RoundOutcome).where(col(RoundOutcome.household_id) == household_id)
    )


async def rounds_mentioning(session: AsyncSession, *, text_id: str) -> list[Round]:
    """Rounds whose stored snapshot holds this id (erasure redacts them)."""
    result = await session.execute(select(Round).where(col(Round.snapshot).contains(text_id)))
    return list(result.scalars())
