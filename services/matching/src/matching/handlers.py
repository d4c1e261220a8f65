"""The matching service's event handlers: read models from the registry's events."""

from __future__ import annotations

from typing import Any

from matching import service
from shared.db import UnitOfWork
from shared.events import registry
from shared.messaging.consumer import Subscription


async def on_household_registered(uow: UnitOfWork, event: registry.HouseholdRegistered) -> None:
    await service.apply_household_registered(uow, event=event, now=uow.clock())


async def on_household_erased(uow: UnitOfWork, event: registry.HouseholdErased) -> None:
    await service.erase_household(
        uow, household_id=event.household_id, erasure_id=event.erasure_id, now=uow.clock()
    )


SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription(registry.HouseholdRegistered, on_household_registered),
    Subscription(registry.HouseholdErased, on_household_erased),
]
