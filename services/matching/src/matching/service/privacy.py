"""A household's export (Art. 15) and erasure (Art. 17) of what matching holds (RELIABILITY.md 4.5)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from matching import snapshot as snap
from matching.errors import HouseholdNotFound
from matching.models import ErasedHousehold
from matching.repository import households as household_repo
from matching.repository import links as link_repo
from matching.repository import offers as offer_repo
from matching.repository import rounds as round_repo
from matching.schemas import HouseholdExport
from matching.service.offers import offer_view
from matching.service.rounds import explanation_view
from shared.db import UnitOfWork
from shared.events import matching


async def export_household(uow: UnitOfWork, *, household_id: uuid.UUID) -> HouseholdExport:
    session = uow.session
    profile = await household_repo.get_profile(session, household_id=household_id)
    offers = await offer_repo.offers_of_household(session, household_id=household_id)
    outcomes = await round_repo.outcomes_of_household(session, household_id=household_id)
    tenancies = await offer_repo.tenancies_of_household(session, household_id=household_id)
    if profile is None and not offers and not outcomes and not tenancies:
        raise HouseholdNotFound()
    return HouseholdExport(
        household_id=household_id,
        profile=json.loads(profile.profile) if profile and profile.profile else None,
        statuses=json.loads(profile.statuses) if profile else {},
        offers=[offer_view(o) for o in offers],
        outcomes=[explanation_view(o) for o in outcomes],
        tenancies=[
            {
                "id": str(t.id),
                "offer_id": str(t.offer_id),
                "unit_id": str(t.unit_id),
                "agreed_at": t.agreed_at.isoformat(),
                "ended_at": t.ended_at.isoformat() if t.ended_at else None,
            }
            for t in tenancies
        ],
    )


async def erase_household(
    uow: UnitOfWork, *, household_id: uuid.UUID, erasure_id: uuid.UUID, now: datetime
) -> None:
    """Delete the profile, explanations, link claims and offers (tenancies stay, kept by law), redact
    the household from stored snapshots, drop idempotency and published outbox rows naming it."""
    session = uow.session
    text_id = str(household_id)
    await household_repo.delete_profile(session, household_id=household_id)
    await household_repo.add_tombstone(
        session, tombstone=ErasedHousehold(household_id=household_id, erased_at=now)
    )
    await round_repo.delete_outcomes_of_household(session, household_id=household_id)
    await link_repo.delete_tokens_of_household(session, household_id=household_id)
    kept = {
        t.offer_id
        for t in await offer_repo.tenancies_of_household(session, household_id=household_id)
    }
    offers = await offer_repo.offers_of_household(session, household_id=household_id)
    await offer_repo.delete_offers(session, offer_ids=[o.id for o in offers if o.id not in kept])
    for round_ in await round_repo.rounds_mentioning(session, text_id=text_id):
        body = snap.decode(round_.snapshot)
        body["households"] = [h for h in body["households"] if h["id"] != text_id]
        round_.snapshot = snap.canonical(body)
        round_.snapshot_redacted = True
    await household_repo.delete_infra_mentions(session, infra=uow.infra, text_id=text_id)
    uow.emit(
        matching.HouseholdErasureConfirmed(
            household_id=household_id, erasure_id=erasure_id, occurred_at=now
        ),
        aggregate_id=text_id,
    )
