"""The matching service's event handlers: read models from the registry and the landlords service."""

from __future__ import annotations

from typing import Any

from matching.service import offer_lifecycle, privacy, readmodels
from shared.db import UnitOfWork
from shared.events import landlords, registry
from shared.messaging.consumer import Subscription
from shared.policy import Policy


async def on_household_registered(uow: UnitOfWork, event: registry.HouseholdRegistered) -> None:
    await readmodels.apply_profile(
        uow,
        household_id=event.household_id,
        version=event.entity_version,
        profile=event.profile,
        size=event.size,
        residence_comune=event.residence_comune,
        application_time=event.application_time,
        now=uow.clock(),
    )


async def on_household_updated(uow: UnitOfWork, event: registry.HouseholdUpdated) -> None:
    await readmodels.apply_profile(
        uow,
        household_id=event.household_id,
        version=event.entity_version,
        profile=event.profile,
        size=event.profile.size,
        residence_comune=event.profile.residence_comune,
        application_time=event.profile.application_time,
        now=uow.clock(),
    )


async def on_household_status_changed(
    uow: UnitOfWork, event: registry.HouseholdStatusChanged
) -> None:
    await readmodels.apply_status(
        uow,
        household_id=event.household_id,
        version=event.entity_version,
        programmes=(event.programme,),
        status=event.status,
        now=uow.clock(),
    )


async def on_household_withdrawn(uow: UnitOfWork, event: registry.HouseholdWithdrawn) -> None:
    await readmodels.apply_status(
        uow,
        household_id=event.household_id,
        version=event.entity_version,
        programmes=readmodels.PROGRAMMES,
        status="withdrawn",
        now=uow.clock(),
    )


async def on_household_erased(uow: UnitOfWork, event: registry.HouseholdErased) -> None:
    await privacy.erase_household(
        uow, household_id=event.household_id, erasure_id=event.erasure_id, now=uow.clock()
    )


async def on_unit_published(uow: UnitOfWork, event: landlords.UnitPublished) -> None:
    await readmodels.apply_unit_published(uow, event=event, now=uow.clock())


async def on_unit_withdrawn(uow: UnitOfWork, event: landlords.UnitWithdrawn) -> None:
    await readmodels.apply_unit_withdrawn(uow, event=event, now=uow.clock())


def subscriptions(policy: Policy) -> list[Subscription[Any]]:
    """The handlers; the landlord's answer needs the policy (re-optimisation after a refusal)."""

    async def on_offer_answered(uow: UnitOfWork, event: landlords.OfferAnswered) -> None:
        await offer_lifecycle.landlord_answered(
            uow,
            offer_id=event.offer_id,
            decision=event.decision,
            reason_code=event.reason_code,
            policy=policy,
            now=uow.clock(),
        )

    return [
        Subscription(registry.HouseholdRegistered, on_household_registered),
        Subscription(registry.HouseholdUpdated, on_household_updated),
        Subscription(registry.HouseholdStatusChanged, on_household_status_changed),
        Subscription(registry.HouseholdWithdrawn, on_household_withdrawn),
        Subscription(registry.HouseholdErased, on_household_erased),
        Subscription(landlords.UnitPublished, on_unit_published),
        Subscription(landlords.UnitWithdrawn, on_unit_withdrawn),
        Subscription(landlords.OfferAnswered, on_offer_answered),
    ]
