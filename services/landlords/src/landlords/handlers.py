"""The landlords service's event handlers: a household's erasure, and matching's offer events."""

from __future__ import annotations

from typing import Any

from landlords.service import households, offers
from shared.db import UnitOfWork
from shared.events import matching, registry
from shared.messaging.consumer import Subscription


async def on_household_erased(uow: UnitOfWork, event: registry.HouseholdErased) -> None:
    await households.erase_household(uow, event=event)


async def on_offer_event(uow: UnitOfWork, event: offers.OfferEvent) -> None:
    await offers.apply_offer_event(uow, event=event, now=uow.clock())


SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription(registry.HouseholdErased, on_household_erased),
    Subscription(matching.OfferMade, on_offer_event),
    Subscription(matching.OfferVisitBooked, on_offer_event),
    Subscription(matching.OfferAccepted, on_offer_event),
    Subscription(matching.OfferDeclined, on_offer_event),
    Subscription(matching.OfferExpired, on_offer_event),
    Subscription(matching.OfferWithdrawn, on_offer_event),
    Subscription(matching.TenancyAgreed, on_offer_event),
]
