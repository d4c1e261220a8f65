"""Landlord API keys: resolve, rotate (at most two active), revoke, and record every use."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from landlords import repository
from landlords.errors import ApiKeyNotFound, LandlordNotFound, TooManyActiveKeys
from landlords.models import ApiKey
from landlords.schemas import ApiKeyIssuedView, ApiKeyList, ApiKeyView
from landlords.service.landlords import scope_of
from shared.auth import Principal, api_key_matches, new_api_key
from shared.db import Database, UnitOfWork

MAX_ACTIVE_KEYS = 2  # the old key and its replacement, during a rotation (RELIABILITY 3.1)
KEY_USES_KEPT = timedelta(days=365)


def key_view(row: ApiKey) -> ApiKeyView:
    return ApiKeyView(
        key_id=row.key_id,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        use_count=row.use_count,
        active=row.revoked_at is None,
    )


def _check_scope(landlord_id: uuid.UUID, principal: Principal) -> None:
    scope = scope_of(principal)
    if scope is not None and scope != landlord_id:
        raise LandlordNotFound()


async def issue_key(
    uow: UnitOfWork, *, landlord_id: uuid.UUID, principal: Principal, now: datetime
) -> ApiKeyIssuedView:
    """A new key beside the current one; the landlord then revokes the old one."""
    _check_scope(landlord_id, principal)
    if await repository.lock_landlord(uow.session, landlord_id=landlord_id) is None:
        raise LandlordNotFound()
    if await repository.count_active_keys(uow.session, landlord_id=landlord_id) >= MAX_ACTIVE_KEYS:
        raise TooManyActiveKeys()
    key = new_api_key()
    row = ApiKey(
        key_id=key.key_id,
        landlord_id=landlord_id,
        secret_hash=key.secret_hash,
        created_by=principal.key,
        created_at=now,
    )
    await repository.add_key(uow.session, key=row)
    return ApiKeyIssuedView(key=key_view(row), api_key=key.token)


async def list_keys(uow: UnitOfWork, *, landlord_id: uuid.UUID, principal: Principal) -> ApiKeyList:
    _check_scope(landlord_id, principal)
    if await repository.get_landlord(uow.session, landlord_id=landlord_id) is None:
        raise LandlordNotFound()
    return ApiKeyList(
        items=[key_view(k) for k in await repository.keys_of(uow.session, landlord_id=landlord_id)]
    )


async def revoke_key(
    uow: UnitOfWork, *, landlord_id: uuid.UUID, key_id: str, principal: Principal, now: datetime
) -> ApiKeyView:
    """Revoke at once; revoking a revoked key changes nothing and answers the same."""
    _check_scope(landlord_id, principal)
    row = await repository.revoke_key(
        uow.session, landlord_id=landlord_id, key_id=key_id, now=now, by=principal.key
    )
    if row is None:
        raise ApiKeyNotFound()
    return key_view(row)


async def resolve_api_key(db: Database, key_id: str, secret: str) -> Principal | None:
    """The landlord behind a presented key, or None (unknown, revoked or wrong secret)."""
    async with db.uow() as uow:
        key = await repository.active_key(uow.session, key_id=key_id)
        if key is None or not api_key_matches(secret, key.secret_hash):
            return None
        return Principal(kind="landlord", id=str(key.landlord_id))


async def record_key_use(
    uow: UnitOfWork, *, key_id: str, method: str, route: str, now: datetime
) -> None:
    await repository.record_key_use(uow.session, key_id=key_id, now=now, method=method, route=route)


async def prune_key_uses(uow: UnitOfWork, *, now: datetime) -> None:
    await repository.prune_key_uses(uow.session, before=now - KEY_USES_KEPT)
