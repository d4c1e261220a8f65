"""The notifications service's event handlers: each inserts pending message rows and acks; nothing
is sent here (RELIABILITY.md R8)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from notifications import planning, service
from notifications.planning import OfferFacts, Plan
from shared.db import UnitOfWork
from shared.events import landlords, matching, registry
from shared.messaging.consumer import Subscription

logger = logging.getLogger(__name__)


async def _queue(uow: UnitOfWork, event_id: uuid.UUID, plans: list[Plan]) -> None:
    await service.queue(uow, event_id=event_id, plans=plans, now=uow.clock())


async def _facts(uow: UnitOfWork, event: Any) -> OfferFacts | None:
    facts = await service.offer_facts(uow, offer_id=event.offer_id)
    if facts is None:
        # The offer was made before this service kept facts, or its household was erased.
        logger.warning("offer unknown, no message", extra={"event_id": str(event.event_id)})
    return facts


async def on_household_registered(uow: UnitOfWork, event: registry.HouseholdRegistered) -> None:
    await _queue(uow, event.event_id, planning.household_registered(event))


async def on_eligibility_assessed(uow: UnitOfWork, event: registry.EligibilityAssessed) -> None:
    await _queue(uow, event.event_id, planning.eligibility_assessed(event))


async def on_status_changed(uow: UnitOfWork, event: registry.HouseholdStatusChanged) -> None:
    await _queue(uow, event.event_id, planning.status_changed(event))


async def on_household_erased(uow: UnitOfWork, event: registry.HouseholdErased) -> None:
    await service.erase_household(
        uow, household_id=event.household_id, erasure_id=event.erasure_id, now=uow.clock()
    )


async def on_landlord_onboarded(uow: UnitOfWork, event: landlords.LandlordOnboarded) -> None:
    await _queue(uow, event.event_id, planning.landlord_onboarded(event))


async def on_unit_submitted(uow: UnitOfWork, event: landlords.UnitSubmitted) -> None:
    await service.remember_unit(
        uow,
        unit_id=event.unit_id,
        landlord_id=event.landlord_id,
        comune=event.comune,
        reference=event.unit_reference,
    )
    await _queue(uow, event.event_id, planning.unit_submitted(event))


async def on_unit_published(uow: UnitOfWork, event: landlords.UnitPublished) -> None:
    first = await service.remember_unit(
        uow,
        unit_id=event.unit_id,
        landlord_id=event.landlord_id,
        comune=event.comune,
        reference=event.unit_reference,
        published=True,
    )
    if first:  # later versions re-send the facts for matching; the landlord heard already
        await _queue(uow, event.event_id, planning.unit_published(event))


async def on_unit_rejected(uow: UnitOfWork, event: landlords.UnitRejected) -> None:
    comune = await service.unit_comune(uow, unit_id=event.unit_id)
    if comune is None:
        logger.warning("unit unknown, no message", extra={"event_id": str(event.event_id)})
        return
    reference = await service.unit_reference(uow, unit_id=event.unit_id)
    await _queue(
        uow, event.event_id, planning.unit_rejected(event, comune=comune, reference=reference)
    )


async def on_offer_made(uow: UnitOfWork, event: matching.OfferMade) -> None:
    await service.remember_offer(
        uow,
        facts=OfferFacts(
            offer_id=event.offer_id,
            household_id=event.household_id,
            landlord_id=event.landlord_id,
            unit_id=event.unit_id,
            programme=event.programme,
            comune=event.comune,
            respond_by=event.respond_by,
        ),
    )
    reference = await service.unit_reference(uow, unit_id=event.unit_id)
    await _queue(uow, event.event_id, planning.offer_made(event, reference=reference))


async def on_offer_accepted(uow: UnitOfWork, event: matching.OfferAccepted) -> None:
    if (facts := await _facts(uow, event)) is not None:
        plans = planning.household_answered(facts, by=event.by, accepted=True)
        await _queue(uow, event.event_id, plans)


async def on_offer_declined(uow: UnitOfWork, event: matching.OfferDeclined) -> None:
    await service.close_offer(uow, offer_id=event.offer_id)
    if (facts := await _facts(uow, event)) is not None:
        plans = planning.household_answered(facts, by=event.by, accepted=False)
        await _queue(uow, event.event_id, plans)


async def on_offer_expired(uow: UnitOfWork, event: matching.OfferExpired) -> None:
    await service.close_offer(uow, offer_id=event.offer_id)
    if (facts := await _facts(uow, event)) is not None:
        await _queue(uow, event.event_id, planning.offer_expired(facts))


async def on_visit_booked(uow: UnitOfWork, event: matching.OfferVisitBooked) -> None:
    if (facts := await _facts(uow, event)) is not None:
        await _queue(uow, event.event_id, planning.visit_booked(facts, visit_at=event.visit_at))


async def on_offer_withdrawn(uow: UnitOfWork, event: matching.OfferWithdrawn) -> None:
    await service.close_offer(uow, offer_id=event.offer_id)
    if (facts := await _facts(uow, event)) is not None:
        plans = planning.offer_withdrawn(facts, reason_code=event.reason_code)
        await _queue(uow, event.event_id, plans)


async def on_tenancy_agreed(uow: UnitOfWork, event: matching.TenancyAgreed) -> None:
    await service.close_offer(uow, offer_id=event.offer_id)
    if (facts := await _facts(uow, event)) is not None:
        await _queue(uow, event.event_id, planning.tenancy_agreed(facts))


async def on_household_unmatched(uow: UnitOfWork, event: matching.HouseholdUnmatched) -> None:
    await _queue(uow, event.event_id, planning.household_unmatched(event))


SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription(registry.HouseholdRegistered, on_household_registered),
    Subscription(registry.EligibilityAssessed, on_eligibility_assessed),
    Subscription(registry.HouseholdStatusChanged, on_status_changed),
    Subscription(registry.HouseholdErased, on_household_erased),
    Subscription(landlords.LandlordOnboarded, on_landlord_onboarded),
    Subscription(landlords.UnitSubmitted, on_unit_submitted),
    Subscription(landlords.UnitPublished, on_unit_published),
    Subscription(landlords.UnitRejected, on_unit_rejected),
    Subscription(matching.OfferMade, on_offer_made),
    Subscription(matching.OfferVisitBooked, on_visit_booked),
    Subscription(matching.OfferAccepted, on_offer_accepted),
    Subscription(matching.OfferDeclined, on_offer_declined),
    Subscription(matching.OfferExpired, on_offer_expired),
    Subscription(matching.OfferWithdrawn, on_offer_withdrawn),
    Subscription(matching.TenancyAgreed, on_tenancy_agreed),
    Subscription(matching.HouseholdUnmatched, on_household_unmatched),
]
