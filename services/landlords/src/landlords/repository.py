"""All of the landlords service's SQL; landlord-owned rows are always filtered by landlord_id in SQL.

Functions over landlord-owned rows take `landlord_id` as a required keyword: a landlord's id scopes
the query (`WHERE id = :id AND landlord_id = :landlord_id`), and None means staff, who see all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from landlords.models import ApiKey, ApiKeyUse, Landlord, Offer, Unit

# --- landlords and keys ------------------------------------------------------------------------


async def add_landlord(session: AsyncSession, *, landlord: Landlord, key: ApiKey) -> None:
    session.add(landlord)
    await session.flush()
    session.add(key)
    await session.flush()


async def get_landlord(session: AsyncSession, *, landlord_id: uuid.UUID) -> Landlord | None:
    return await session.get(Landlord, landlord_id)


async def identity_taken(
    session: AsyncSession, *, codice_fiscale: str | None, partita_iva: str | None
) -> bool:
    conditions = []
    if codice_fiscale is not None:
        conditions.append(col(Landlord.codice_fiscale) == codice_fiscale)
    if partita_iva is not None:
        conditions.append(col(Landlord.partita_iva) == partita_iva)
    if not conditions:
        return False
    query = select(func.count()).select_from(Landlord).where(or_(*conditions))
    return bool((await session.execute(query)).scalar())


async def list_landlords(
    session: AsyncSession, *, after: uuid.UUID | None, limit: int
) -> list[Landlord]:
    query = select(Landlord).order_by(col(Landlord.id)).limit(limit)
    if after is not None:
        query = query.where(col(Landlord.id) > after)
    return list((await session.execute(query)).scalars())


async def active_key(session: AsyncSession, *, key_id: str) -> ApiKey | None:
    query = select(ApiKey).where(col(ApiKey.key_id) == key_id, col(ApiKey.revoked_at).is_(None))
    return (await session.execute(query)).scalars().first()


async def keys_of(session: AsyncSession, *, landlord_id: uuid.UUID) -> list[ApiKey]:
    query = (
        select(ApiKey)
        .where(col(ApiKey.landlord_id) == landlord_id)
        .order_by(col(ApiKey.created_at), col(ApiKey.key_id))
    )
    return list((await session.execute(query)).scalars())


async def lock_landlord(session: AsyncSession, *, landlord_id: uuid.UUID) -> Landlord | None:
    """The landlord row, locked until commit: key rotations of one landlord run one at a time."""
    query = select(Landlord).where(col(Landlord.id) == landlord_id).with_for_update()
    return (await session.execute(query)).scalars().first()


async def count_active_keys(session: AsyncSession, *, landlord_id: uuid.UUID) -> int:
    query = (
        select(func.count())
        .select_from(ApiKey)
        .where(col(ApiKey.landlord_id) == landlord_id, col(ApiKey.revoked_at).is_(None))
    )
    return int((await session.execute(query)).scalar() or 0)


async def add_key(session: AsyncSession, *, key: ApiKey) -> None:
    session.add(key)
    await session.flush()


async def revoke_key(
    session: AsyncSession, *, landlord_id: uuid.UUID, key_id: str, now: datetime, by: str
) -> ApiKey | None:
    await session.execute(
        update(ApiKey)
        .where(
            col(ApiKey.key_id) == key_id,
            col(ApiKey.landlord_id) == landlord_id,
            col(ApiKey.revoked_at).is_(None),
        )
        .values(revoked_at=now, revoked_by=by)
    )
    query = select(ApiKey).where(
        col(ApiKey.key_id) == key_id, col(ApiKey.landlord_id) == landlord_id
    )
    return (
        (await session.execute(query.execution_options(populate_existing=True))).scalars().first()
    )


async def record_key_use(
    session: AsyncSession, *, key_id: str, now: datetime, method: str, route: str
) -> None:
    await session.execute(
        update(ApiKey)
        .where(col(ApiKey.key_id) == key_id)
        .values(last_used_at=now, use_count=col(ApiKey.use_count) + 1)
    )
    await session.execute(
        insert(ApiKeyUse).values(key_id=key_id, used_at=now, method=method, route=route)
    )


async def prune_key_uses(session: AsyncSession, *, before: datetime) -> None:
    await session.execute(delete(ApiKeyUse).where(col(ApiKeyUse.used_at) < before))


# --- units ---------------------------------------------------------------------------------------


async def add_units(session: AsyncSession, *, units: Sequence[dict[str, Any]]) -> None:
    """Insert many units in one statement (imports of thousands of rows)."""
    if units:
        await session.execute(insert(Unit), list(units))


async def get_unit(
    session: AsyncSession,
    *,
    unit_id: uuid.UUID,
    landlord_id: uuid.UUID | None,
    for_update: bool = False,
) -> Unit | None:
    query = select(Unit).where(col(Unit.id) == unit_id)
    if landlord_id is not None:
        query = query.where(col(Unit.landlord_id) == landlord_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def list_units(
    session: AsyncSession,
    *,
    landlord_id: uuid.UUID | None,
    status: str | None,
    comune: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[Unit]:
    query = select(Unit).order_by(col(Unit.id)).limit(limit)
    if landlord_id is not None:
        query = query.where(col(Unit.landlord_id) == landlord_id)
    if status is not None:
        query = query.where(col(Unit.status) == status)
    if comune is not None:
        query = query.where(col(Unit.comune) == comune)
    if after is not None:
        query = query.where(col(Unit.id) > after)
    return list((await session.execute(query)).scalars())


async def unit_index(
    session: AsyncSession, *, landlord_id: uuid.UUID
) -> dict[str, tuple[uuid.UUID, str, str]]:
    """natural key -> (unit id, content hash, status) of every unit of one landlord."""
    query = select(
        col(Unit.natural_key), col(Unit.id), col(Unit.content_hash), col(Unit.status)
    ).where(col(Unit.landlord_id) == landlord_id)
    return {k: (i, h, s) for k, i, h, s in (await session.execute(query)).all()}


async def natural_key_taken(
    session: AsyncSession, *, natural_key: str, other_than: uuid.UUID | None
) -> bool:
    query = select(func.count()).select_from(Unit).where(col(Unit.natural_key) == natural_key)
    if other_than is not None:
        query = query.where(col(Unit.id) != other_than)
    return bool((await session.execute(query)).scalar())


async def units_created_since(
    session: AsyncSession, *, landlord_id: uuid.UUID, since: datetime
) -> int:
    query = (
        select(func.count())
        .select_from(Unit)
        .where(col(Unit.landlord_id) == landlord_id, col(Unit.created_at) >= since)
    )
    return int((await session.execute(query)).scalar() or 0)


async def set_unit_status_from_offer(
    session: AsyncSession,
    *,
    unit_id: uuid.UUID,
    expected: Sequence[str],
    status: str,
    now: datetime,
) -> None:
    await session.execute(
        update(Unit)
        .where(col(Unit.id) == unit_id, col(Unit.status).in_(list(expected)))
        .values(status=status, updated_at=now)
    )


# --- offers --------------------------------------------------------------------------------------


async def get_offer(
    session: AsyncSession,
    *,
    offer_id: uuid.UUID,
    landlord_id: uuid.UUID | None,
    for_update: bool = False,
) -> Offer | None:
    query = select(Offer).where(col(Offer.id) == offer_id)
    if landlord_id is not None:
        query = query.where(col(Offer.landlord_id) == landlord_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def add_offer(session: AsyncSession, *, offer: Offer) -> None:
    session.add(offer)
    await session.flush()


async def list_offers(
    session: AsyncSession,
    *,
    landlord_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    status: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[Offer]:
    query = select(Offer).order_by(col(Offer.id)).limit(limit)
    if landlord_id is not None:
        query = query.where(col(Offer.landlord_id) == landlord_id)
    if unit_id is not None:
        query = query.where(col(Offer.unit_id) == unit_id)
    if status is not None:
        query = query.where(col(Offer.status) == status)
    if after is not None:
        query = query.where(col(Offer.id) > after)
    return list((await session.execute(query)).scalars())


async def unit_contract_types(
    session: AsyncSession, *, unit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not unit_ids:
        return {}
    query = select(col(Unit.id), col(Unit.contract_type)).where(
        col(Unit.id).in_(list(set(unit_ids)))
    )
    return {i: t for i, t in (await session.execute(query)).all()}


async def offers_of_household(session: AsyncSession, *, household_id: uuid.UUID) -> list[Offer]:
    query = select(Offer).where(col(Offer.household_id) == household_id).order_by(col(Offer.id))
    return list((await session.execute(query)).scalars())


async def erase_household_offers(
    session: AsyncSession, *, household_id: uuid.UUID, kept_statuses: Sequence[str]
) -> None:
    """Delete a household's offers; those kept by law lose the household link and free text."""
    await session.execute(
        delete(Offer).where(
            col(Offer.household_id) == household_id, col(Offer.status).not_in(list(kept_statuses))
        )
    )
    await session.execute(
        update(Offer)
        .where(col(Offer.household_id) == household_id)
        .values(household_id=None, decision_reason_text=None)
    )
