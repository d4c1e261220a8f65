"""Read models from the registry's and the landlords' events: newest entity_version wins, in any order."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from matching.models import HouseholdProfile, UnitListing
from matching.repository import households as household_repo
from matching.repository import offers as offer_repo
from matching.repository import units as unit_repo
from matching.service import offer_lifecycle
from shared.db import UnitOfWork
from shared.events import landlords, registry

PROGRAMMES = ("sap", "sas", "agency")


async def _row(
    uow: UnitOfWork, *, household_id: uuid.UUID, now: datetime
) -> HouseholdProfile | None:
    """The profile row to update, a placeholder if none yet; None once the household was erased."""
    if await household_repo.is_erased(uow.session, household_id=household_id):
        return None
    row = await household_repo.get_profile(uow.session, household_id=household_id)
    if row is None:
        row = HouseholdProfile(
            household_id=household_id,
            entity_version=0,
            size=1,
            application_time=now,
            updated_at=now,
        )
    return row


def _set_status(row: HouseholdProfile, *, programme: str, status: str, version: int) -> None:
    current: dict[str, list[Any]] = json.loads(row.statuses or "{}")
    if current.get(programme, [None, 0])[1] < version:
        current[programme] = [status, version]
        row.statuses = json.dumps(current, sort_keys=True)


async def apply_profile(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    version: int,
    profile: registry.MatchingProfile | None,
    size: int,
    residence_comune: str | None,
    application_time: datetime,
    now: datetime,
) -> None:
    """Registered / updated: the profile of a newer version replaces the stored one."""
    row = await _row(uow, household_id=household_id, now=now)
    if row is None or row.profile_version >= version:
        return
    row.profile_version = version
    row.size = size
    row.residence_comune = residence_comune
    row.application_time = application_time
    if profile is not None:
        row.profile = profile.model_dump_json()
        for entry in profile.programmes:
            _set_status(row, programme=entry.programme, status=entry.status, version=version)
    row.entity_version = max(row.entity_version, version)
    row.updated_at = now
    await household_repo.save_profile(uow.session, profile=row)


async def apply_status(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    version: int,
    programmes: tuple[str, ...],
    status: str,
    now: datetime,
) -> None:
    row = await _row(uow, household_id=household_id, now=now)
    if row is None:
        return
    for programme in programmes:
        _set_status(row, programme=programme, status=status, version=version)
    row.entity_version = max(row.entity_version, version)
    row.updated_at = now
    await household_repo.save_profile(uow.session, profile=row)
    if status in ("withdrawn", "excluded", "erased"):
        for offer in await offer_repo.offers_of_household(uow.session, household_id=household_id):
            if offer.programme in programmes:
                await offer_lifecycle.withdraw_offer(
                    uow, offer=offer, reason_code=f"HOUSEHOLD_{status.upper()}", now=now
                )


async def apply_unit_published(
    uow: UnitOfWork, *, event: landlords.UnitPublished, now: datetime
) -> None:
    row = await unit_repo.get_unit(uow.session, unit_id=event.unit_id)
    if row is not None and row.entity_version >= event.entity_version:
        return
    row = row or UnitListing(
        unit_id=event.unit_id,
        entity_version=event.entity_version,
        landlord_id=event.landlord_id,
        programme=event.programme,
        comune=event.comune,
        status=event.status,
        updated_at=now,
    )
    row.entity_version = event.entity_version
    row.landlord_id = event.landlord_id
    row.programme = event.programme
    row.comune = event.comune
    row.status = "needs_works" if event.needs_works else event.status
    row.facts = event.model_dump_json(exclude={"event_id", "occurred_at", "entity_version"})
    row.published_at = row.published_at or event.occurred_at
    row.updated_at = now
    await unit_repo.save_unit(uow.session, unit=row)


async def apply_unit_withdrawn(
    uow: UnitOfWork, *, event: landlords.UnitWithdrawn, now: datetime
) -> None:
    row = await unit_repo.get_unit(uow.session, unit_id=event.unit_id)
    if row is not None and row.entity_version >= event.entity_version:
        return
    row = row or UnitListing(
        unit_id=event.unit_id,
        entity_version=event.entity_version,
        landlord_id=event.landlord_id,
        programme="agency",
        comune="",
        status="withdrawn",
        updated_at=now,
    )
    row.entity_version = event.entity_version
    row.status = "withdrawn"
    row.updated_at = now
    await unit_repo.save_unit(uow.session, unit=row)
    offer = await offer_repo.open_offer_of_unit(uow.session, unit_id=event.unit_id)
    if offer is not None:
        await offer_lifecycle.withdraw_offer(
            uow, offer=offer, reason_code=event.reason_code or "UNIT_WITHDRAWN", now=now
        )
