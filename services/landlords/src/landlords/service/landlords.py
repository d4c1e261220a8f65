"""Landlord onboarding and reading: identity checked, first API key shown once."""

from __future__ import annotations

import uuid
from datetime import datetime

from landlords import repository
from landlords.errors import LandlordAlreadyOnboarded, LandlordNotFound
from landlords.landlord_rules import validate_landlord
from landlords.models import ApiKey, Landlord
from landlords.pagination import decode_cursor, next_cursor
from landlords.schemas import (
    LandlordContact,
    LandlordCreate,
    LandlordOnboardedView,
    LandlordPage,
    LandlordView,
)
from shared.auth import Principal, new_api_key
from shared.db import UnitOfWork
from shared.errors import Invalid
from shared.events.landlords import LandlordOnboarded


def landlord_view(row: Landlord) -> LandlordView:
    return LandlordView.model_validate(row, from_attributes=True)


def scope_of(principal: Principal) -> uuid.UUID | None:
    """The landlord whose rows a principal may see; None for staff, who see every landlord's."""
    return uuid.UUID(principal.id) if principal.kind == "landlord" else None


async def onboard_landlord(
    uow: UnitOfWork, *, data: LandlordCreate, actor: str, landlord_id: uuid.UUID, now: datetime
) -> LandlordOnboardedView:
    errors = validate_landlord(landlord=data)
    if errors:
        raise Invalid(errors)
    if await repository.identity_taken(
        uow.session, codice_fiscale=data.codice_fiscale, partita_iva=data.partita_iva
    ):
        raise LandlordAlreadyOnboarded()
    key = new_api_key()
    landlord = Landlord(
        id=landlord_id,
        legal_form=data.legal_form.value,
        kind=data.kind.value,
        display_name=data.display_name,
        codice_fiscale=data.codice_fiscale,
        partita_iva=data.partita_iva,
        email=data.email,
        phone=data.phone,
        preferred_channel=data.preferred_channel.value,
        language=data.language,
        entity_version=1,
        created_by=actor,
        created_at=now,
    )
    await repository.add_landlord(
        uow.session,
        landlord=landlord,
        key=ApiKey(
            key_id=key.key_id,
            landlord_id=landlord_id,
            secret_hash=key.secret_hash,
            created_by=actor,
            created_at=now,
        ),
    )
    uow.emit(
        LandlordOnboarded(occurred_at=now, landlord_id=landlord_id, entity_version=1),
        aggregate_id=str(landlord_id),
    )
    return LandlordOnboardedView(
        landlord=landlord_view(landlord), api_key=key.token, api_key_id=key.key_id
    )


async def get_landlord(
    uow: UnitOfWork, *, landlord_id: uuid.UUID, principal: Principal
) -> LandlordView:
    return landlord_view(await _visible(uow, landlord_id=landlord_id, principal=principal))


async def _visible(uow: UnitOfWork, *, landlord_id: uuid.UUID, principal: Principal) -> Landlord:
    # A landlord sees only itself; another landlord's id answers exactly like a missing one.
    scope = scope_of(principal)
    if scope is not None and scope != landlord_id:
        raise LandlordNotFound()
    row = await repository.get_landlord(uow.session, landlord_id=landlord_id)
    if row is None:
        raise LandlordNotFound()
    return row


async def list_landlords(uow: UnitOfWork, *, cursor: str | None, limit: int) -> LandlordPage:
    rows = await repository.list_landlords(uow.session, after=decode_cursor(cursor), limit=limit)
    return LandlordPage(
        items=[landlord_view(r) for r in rows],
        next_cursor=next_cursor([r.id for r in rows], limit=limit),
    )


async def landlord_contact(uow: UnitOfWork, *, landlord_id: uuid.UUID) -> LandlordContact:
    row = await repository.get_landlord(uow.session, landlord_id=landlord_id)
    if row is None:
        raise LandlordNotFound()
    return LandlordContact(
        landlord_id=row.id,
        display_name=row.display_name,
        email=row.email,
        phone=row.phone,
        preferred_channel=row.preferred_channel,
        language=row.language,
    )
