"""The landlords service's event handlers."""

from __future__ import annotations

from typing import Any

from shared.db import UnitOfWork
from shared.events import landlords, registry
from shared.messaging.consumer import Subscription


async def on_household_erased(uow: UnitOfWork, event: registry.HouseholdErased) -> None:
    # The landlords service holds nothing about households yet beyond offers (a later issue);
    # it confirms so the registry can complete the erasure.
    uow.emit(
        landlords.HouseholdErasureConfirmed(
            household_id=event.household_id, erasure_id=event.erasure_id, occurred_at=uow.clock()
        )
    )


SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription(registry.HouseholdErased, on_household_erased)
]
