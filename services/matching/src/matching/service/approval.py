"""Approving a round: proposals become offers with deadlines (DOMAIN.md 2.2, RELIABILITY.md R9)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from matching import snapshot as snap
from matching.errors import RoundNotCompleted, RoundNotFound
from matching.models import Offer
from matching.repository import offers as offer_repo
from matching.repository import rounds as round_repo
from matching.repository import units as unit_repo
from matching.schemas import ApprovalView
from shared.db import UnitOfWork
from shared.errors import UnitTaken
from shared.events import matching
from shared.policy import Policy


def deadline(policy: Policy, *, start: datetime, days: int) -> datetime:
    """The end (23:59:59 Europe/Rome) of the day `days` after `start`, in UTC (DOMAIN.md 4.2)."""
    zone = ZoneInfo(str(policy.value("meta.timezone")))
    last_day = start.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)


def offer_deadlines(policy: Policy, *, approved_at: datetime) -> tuple[datetime, datetime]:
    """Household: offer_response_days from approval; landlord: landlord_decision_days after that."""
    respond = int(policy.value("offers.offer_response_days"))
    decide = int(policy.value("offers.landlord_decision_days"))
    return (
        deadline(policy, start=approved_at, days=respond),
        deadline(policy, start=approved_at, days=respond + decide),
    )


async def approve_round(
    uow: UnitOfWork, *, round_id: uuid.UUID, approved_by: str, policy: Policy, now: datetime
) -> ApprovalView:
    """completed -> approved once; every still-free proposal becomes an offer, the rest are skipped."""
    round_ = await round_repo.get_round(uow.session, round_id=round_id)
    if round_ is None:
        raise RoundNotFound()
    if not await round_repo.approve_round(uow.session, round_id=round_id, by=approved_by, now=now):
        raise RoundNotCompleted()
    body = snap.decode(round_.snapshot)
    households = {h["id"]: h for h in body["households"]}
    units = {u["id"]: u for u in body["units"]}
    busy_units = await offer_repo.busy_units(uow.session)
    busy_households = set(await offer_repo.busy_households(uow.session))
    busy_households |= await offer_repo.housed_households(uow.session)
    respond_by, decide_by = offer_deadlines(policy, approved_at=now)
    offers: list[Offer] = []
    skipped = unmatched = 0
    for outcome in await round_repo.list_outcomes(uow.session, round_id=round_id):
        if outcome.unit_id is None:
            unmatched += 1
            if round_.kind == "reoptimisation":
                continue  # the waiting households heard their round's outcome already
            uow.emit(
                matching.HouseholdUnmatched(
                    round_id=round_id,
                    household_id=outcome.household_id,
                    reason_code=outcome.reason,
                    occurred_at=now,
                ),
                aggregate_id=str(outcome.household_id),
            )
            continue
        listing = await unit_repo.get_unit(uow.session, unit_id=outcome.unit_id)
        if (
            outcome.unit_id in busy_units
            or outcome.household_id in busy_households
            or listing is None
            or listing.status not in ("published", "needs_works")
        ):
            skipped += 1
            continue
        offers.append(
            Offer(
                id=uuid.uuid4(),
                round_id=round_id,
                household_id=outcome.household_id,
                unit_id=outcome.unit_id,
                landlord_id=listing.landlord_id,
                programme=round_.programme,
                status="approved",
                respond_by=respond_by,
                landlord_decide_by=decide_by,
                created_at=now,
            )
        )
    try:
        async with uow.session.begin_nested():
            await offer_repo.add_offers(uow.session, offers=offers)
    except IntegrityError:
        # A concurrent approval took a unit or a household first: the index is the guard.
        raise UnitTaken() from None
    for offer in offers:
        h, u = households[str(offer.household_id)], units[str(offer.unit_id)]
        uow.emit(
            matching.OfferMade(
                entity_version=offer.version,
                offer_id=offer.id,
                round_id=round_id,
                household_id=offer.household_id,
                unit_id=offer.unit_id,
                landlord_id=offer.landlord_id,
                programme=offer.programme,  # type: ignore[arg-type]
                respond_by=respond_by,
                landlord_decide_by=decide_by,
                household_size=h["size"],
                pets=h["pets"],
                smoker=h["smoker"],
                comune=u["comune"],
                rent_eur=Decimal(str(u["rent_eur"])),
                charges_eur=Decimal(str(u["charges_eur"])),
                occurred_at=now,
            ),
            aggregate_id=str(offer.id),
        )
    return ApprovalView(
        round_id=round_id,
        status="approved",
        offers=len(offers),
        skipped=skipped,
        unmatched=unmatched,
    )
