"""The notifications service's event handlers: each inserts pending message rows and acks."""

from __future__ import annotations

from typing import Any

from notifications import service
from shared.db import UnitOfWork, new_id
from shared.events import landlords, registry
from shared.messaging.consumer import Subscription


async def on_household_registered(uow: UnitOfWork, event: registry.HouseholdRegistered) -> None:
    await service.queue_message(
        uow,
        event_id=event.event_id,
        channel="email",
        recipient_kind="household",
        recipient_key=event.household_id,
        template="application_received",
        language=event.language,
        message_id=new_id(),
        now=uow.clock(),
    )


async def on_landlord_onboarded(uow: UnitOfWork, event: landlords.LandlordOnboarded) -> None:
    await service.queue_message(
        uow,
        event_id=event.event_id,
        channel="email",
        recipient_kind="landlord",
        recipient_key=event.landlord_id,
        template="landlord_welcome",
        language="it",
        message_id=new_id(),
        now=uow.clock(),
    )


async def on_household_erased(uow: UnitOfWork, event: registry.HouseholdErased) -> None:
    await service.erase_household(
        uow, household_id=event.household_id, erasure_id=event.erasure_id, now=uow.clock()
    )


SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription(registry.HouseholdRegistered, on_household_registered),
    Subscription(registry.HouseholdErased, on_household_erased),
    Subscription(landlords.LandlordOnboarded, on_landlord_onboarded),
]
