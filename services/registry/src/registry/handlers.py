"""The registry's event handlers: matching outcomes (statuses, refusal policy) and erasure confirmations."""

from __future__ import annotations

from typing import Any

from registry.rules_policy import RegistryRules
from registry.service import erasure, lifecycle
from shared.db import UnitOfWork
from shared.events import landlords, matching, notifications
from shared.messaging.consumer import Subscription

OfferClosed = matching.OfferDeclined | matching.OfferWithdrawn | matching.OfferExpired
ErasureConfirmed = (
    matching.HouseholdErasureConfirmed
    | landlords.HouseholdErasureConfirmed
    | notifications.HouseholdErasureConfirmed
)


async def on_erasure_confirmed(uow: UnitOfWork, event: ErasureConfirmed) -> None:
    await erasure.record_erasure_confirmation(
        uow,
        erasure_id=event.erasure_id,
        household_id=event.household_id,
        service=event.producer(),
        now=uow.clock(),
    )


def subscriptions(rules: RegistryRules) -> list[Subscription[Any]]:
    """The handlers, bound to the policy's rules (built once in create_app)."""

    async def on_offer_made(uow: UnitOfWork, event: matching.OfferMade) -> None:
        await lifecycle.offer_made(
            uow,
            household_id=event.household_id,
            programme=event.programme,
            rules=rules,
            now=uow.clock(),
        )

    async def back_in_queue(uow: UnitOfWork, event: OfferClosed, reason_code: str) -> None:
        await lifecycle.offer_closed(
            uow,
            household_id=event.household_id,
            programme=None,
            reason_code=reason_code,
            rules=rules,
            now=uow.clock(),
        )

    async def on_offer_declined(uow: UnitOfWork, event: matching.OfferDeclined) -> None:
        if event.by != "landlord":
            return  # the household's refusal: its classification decides (on_refusal_classified)
        await back_in_queue(uow, event, "offer_refused_by_landlord")

    async def on_offer_withdrawn(uow: UnitOfWork, event: matching.OfferWithdrawn) -> None:
        await back_in_queue(uow, event, "offer_withdrawn")

    async def on_offer_expired(uow: UnitOfWork, event: matching.OfferExpired) -> None:
        if event.no_response:
            return  # the household's silence is a refusal: its classification decides
        await back_in_queue(uow, event, "offer_expired")

    async def on_tenancy_agreed(uow: UnitOfWork, event: matching.TenancyAgreed) -> None:
        await lifecycle.tenancy_agreed(
            uow, household_id=event.household_id, rules=rules, now=uow.clock()
        )

    async def on_refusal_classified(uow: UnitOfWork, event: matching.RefusalClassified) -> None:
        await lifecycle.refusal_classified(
            uow,
            offer_id=event.offer_id,
            household_id=event.household_id,
            programme=event.programme,
            reason_code=event.reason_code,
            classification=event.classification,
            refused_at=event.refused_at,
            rules=rules,
            now=uow.clock(),
        )

    return [
        Subscription(matching.HouseholdErasureConfirmed, on_erasure_confirmed),
        Subscription(matching.OfferMade, on_offer_made),
        Subscription(matching.TenancyAgreed, on_tenancy_agreed),
        Subscription(matching.OfferDeclined, on_offer_declined),
        Subscription(matching.OfferWithdrawn, on_offer_withdrawn),
        Subscription(matching.OfferExpired, on_offer_expired),
        Subscription(matching.RefusalClassified, on_refusal_classified),
        Subscription(landlords.HouseholdErasureConfirmed, on_erasure_confirmed),
        Subscription(notifications.HouseholdErasureConfirmed, on_erasure_confirmed),
    ]
