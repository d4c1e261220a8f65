"""SQL of offers and tenancies; every transition is a conditional UPDATE (RELIABILITY.md R9)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matching.models import OPEN_STATES, Offer, Tenancy

REFUSED_STATES = ("refused_by_household", "refused_by_landlord", "expired")


async def add_offers(session: AsyncSession, *, offers: list[Offer]) -> None:
    session.add_all(offers)
    await session.flush()


async def get_offer(session: AsyncSession, *, offer_id: uuid.UUID) -> Offer | None:
    result = await session.execute(
        select(Offer).where(col(Offer.id) == offer_id).execution_options(populate_existing=True)
    )
    return result.scalars().first()


async def list_offers(
    session: AsyncSession,
    *,
    after: uuid.UUID | None,
    limit: int,
    round_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    status: str | None = None,
) -> list[Offer]:
    query = select(Offer).order_by(col(Offer.id)).limit(limit)
    if after is not None:
        query = query.where(col(Offer.id) > after)
    if round_id is not None:
        query = query.where(col(Offer.round_id) == round_id)
    if household_id is not None:
        query = query.where(col(Offer.household_id) == household_id)
    if status is not None:
        query = query.where(col(Offer.status) == status)
    return list((await session.execute(query)).scalars())


async def transition(
    session: AsyncSession,
    *,
    offer_id: uuid.UUID,
    expected: Sequence[str],
    now: datetime,
    deadline: str | None,
    values: dict[str, Any],
) -> bool:
    """`UPDATE offer SET ... WHERE id=:id AND status IN :expected AND <deadline> > :now`; False = 0 rows."""
    query = update(Offer).where(col(Offer.id) == offer_id, col(Offer.status).in_(expected))
    if deadline == "respond_by":
        query = query.where(col(Offer.respond_by) > now)
    elif deadline == "landlord_decide_by":
        query = query.where(col(Offer.landlord_decide_by) > now)
    result = await session.execute(
        query.values(**values, version=col(Offer.version) + 1).execution_options(
            synchronize_session=False
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def classify(
    session: AsyncSession, *, offer_id: uuid.UUID, classification: str, by: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Offer)
        .where(
            col(Offer.id) == offer_id,
            col(Offer.status) == "refused_by_household",
            col(Offer.classification) == "pending",
        )
        .values(
            classification=classification,
            classified_by=by,
            classified_at=now,
            version=col(Offer.version) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def due_for_expiry(session: AsyncSession, *, now: datetime) -> list[Offer]:
    """Open offers past a deadline: the household's (not yet accepted) or the landlord's."""
    result = await session.execute(
        select(Offer)
        .where(
            or_(
                and_(
                    col(Offer.status).in_(("approved", "sent", "visit_booked")),
                    col(Offer.respond_by) <= now,
                ),
                and_(
                    col(Offer.status) == "accepted_by_household",
                    col(Offer.landlord_decide_by) <= now,
                ),
            )
        )
        .order_by(col(Offer.id))
    )
    return list(result.scalars())


async def open_offer_of_unit(session: AsyncSession, *, unit_id: uuid.UUID) -> Offer | None:
    result = await session.execute(
        select(Offer).where(col(Offer.unit_id) == unit_id, col(Offer.status).in_(OPEN_STATES))
    )
    return result.scalars().first()


async def busy_households(session: AsyncSession) -> dict[uuid.UUID, int]:
    """Open offers per household (DOMAIN 4.1: fewer than max_open_offers_per_household to enter)."""
    result = await session.execute(
        select(col(Offer.household_id)).where(col(Offer.status).in_(OPEN_STATES))
    )
    counts: dict[uuid.UUID, int] = {}
    for (household_id,) in result.all():
        counts[household_id] = counts.get(household_id, 0) + 1
    return counts


async def busy_units(session: AsyncSession) -> set[uuid.UUID]:
    """Units under an open offer or an active tenancy."""
    offered = await session.execute(
        select(col(Offer.unit_id)).where(col(Offer.status).in_(OPEN_STATES))
    )
    let = await session.execute(select(col(Tenancy.unit_id)).where(col(Tenancy.ended_at).is_(None)))
    return {u for (u,) in offered.all()} | {u for (u,) in let.all()}


async def housed_households(session: AsyncSession) -> set[uuid.UUID]:
    result = await session.execute(
        select(col(Tenancy.household_id)).where(col(Tenancy.ended_at).is_(None))
    )
    return {h for (h,) in result.all()}


async def refused_pairs(session: AsyncSession) -> dict[uuid.UUID, list[str]]:
    """H12: per household, the units either side refused (or let lapse) before."""
    result = await session.execute(
        select(col(Offer.household_id), col(Offer.unit_id)).where(
            col(Offer.status).in_(REFUSED_STATES)
        )
    )
    pairs: dict[uuid.UUID, list[str]] = {}
    for household_id, unit_id in result.all():
        pairs.setdefault(household_id, []).append(str(unit_id))
    return pairs


async def add_tenancy(session: AsyncSession, *, tenancy: Tenancy) -> None:
    session.add(tenancy)
    await session.flush()


async def tenancies_of_household(
    session: AsyncSession, *, household_id: uuid.UUID
) -> list[Tenancy]:
    result = await session.execute(select(Tenancy).where(col(Tenancy.household_id) == household_id))
    return list(result.scalars())


async def offers_of_household(session: AsyncSession, *, household_id: uuid.UUID) -> list[Offer]:
    result = await session.execute(
        select(Offer).where(col(Offer.household_id) == household_id).order_by(col(Offer.created_at))
    )
    return list(result.scalars())


async def delete_offers(session: AsyncSession, *, offer_ids: list[uuid.UUID]) -> None:
    if offer_ids:
        await session.execute(delete(Offer).where(col(Offer.id).in_(offer_ids)))
