"""The registry's event handlers: erasure confirmations from the other services."""

from __future__ import annotations

from typing import Any

from registry import service
from shared.db import UnitOfWork
from shared.events import landlords, matching, notifications
from shared.messaging.consumer import Subscription

ErasureConfirmed = (
    matching.HouseholdErasureConfirmed
    | landlords.HouseholdErasureConfirmed
    | notifications.HouseholdErasureConfirmed
)


async def on_erasure_confirmed(uow: UnitOfWork, event: ErasureConfirmed) -> None:
    await service.record_erasure_confirmation(
        uow,
        erasure_id=event.erasure_id,
        household_id=event.household_id,
        service=event.producer(),
        now=uow.clock(),
    )


SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription(matching.HouseholdErasureConfirmed, on_erasure_confirmed),
    Subscription(landlords.HouseholdErasureConfirmed, on_erasure_confirmed),
    Subscription(notifications.HouseholdErasureConfirmed, on_erasure_confirmed),
]
