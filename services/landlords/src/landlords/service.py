"""The landlords service's use cases; they never commit (the boundary does)."""

from __future__ import annotations

import uuid
from datetime import datetime

from landlords import repository
from landlords.errors import LandlordNotFound
from landlords.models import ApiKey, Landlord
from landlords.schemas import LandlordCreate, LandlordOnboardedView, LandlordPage, LandlordView
from shared.auth import Principal, api_key_matches, new_api_key
from shared.db import Database, UnitOfWork
from shared.events.landlords import LandlordOnboarded


def _view(row: Landlord) -> LandlordView:
    return LandlordView.model_validate(row, from_attributes=True)


async def onboard_landlord(
    uow: UnitOfWork, *, data: LandlordCreate, actor: str, landlord_id: uuid.UUID, now: datetime
) -> LandlordOnboardedView:
    key = new_api_key()
    landlord = Landlord(
        id=landlord_id,
        kind=data.kind,
        display_name=data.display_name,
        language=data.language,
        entity_version=1,
        created_by=actor,
        created_at=now,
    )
    await repository.add_landlord(
        uow.session,
        landlord=landlord,
        key=ApiKey(
            key_id=key.key_id, landlord_id=landlord_id, secret_hash=key.secret_hash, created_at=now
        ),
    )
    uow.emit(
        LandlordOnboarded(occurred_at=now, landlord_id=landlord_id, entity_version=1),
        aggregate_id=str(landlord_id),
    )
    return LandlordOnboardedView(landlord=_view(landlord), api_key=key.token, api_key_id=key.key_id)


async def get_landlord(
    uow: UnitOfWork, *, landlord_id: uuid.UUID, principal: Principal
) -> LandlordView:
    # A landlord sees only itself; another landlord's id answers exactly like a missing one.
    if principal.kind == "landlord" and principal.id != str(landlord_id):
        raise LandlordNotFound()
    row = await repository.get_landlord(uow.session, landlord_id=landlord_id)
    if row is None:
        raise LandlordNotFound()
    return _view(row)


async def list_landlords(uow: UnitOfWork, *, limit: int) -> LandlordPage:
    return LandlordPage(
        items=[_view(r) for r in await repository.list_landlords(uow.session, limit=limit)]
    )


async def resolve_api_key(db: Database, key_id: str, secret: str) -> Principal | None:
    """The landlord behind a presented key, or None; every accepted use is recorded."""
    async with db.uow() as uow:
        key = await repository.active_key(uow.session, key_id=key_id)
        if key is None or not api_key_matches(secret, key.secret_hash):
            return None
        await repository.touch_key(uow.session, key_id=key_id, now=db.clock())
        await uow.commit()
        return Principal(kind="landlord", id=str(key.landlord_id))
