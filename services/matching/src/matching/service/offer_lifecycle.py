"""What happens to an offer from outside the household: landlord decisions, expiry, withdrawal."""

from __future__ import annotations

import uuid
from datetime import datetime

from matching.models import Offer
from matching.repository import offers as offer_repo
from matching.service.offers import (
    BEFORE_HOUSEHOLD_ANSWER,
    BEFORE_LANDLORD_CONFIRMATION,
    agree_if_both,
    emit_classified,
    event_ids,
    load_offer,
)
from matching.service.reoptimise import free_units
from shared.db import UnitOfWork
from shared.events import matching
from shared.policy import Policy


async def landlord_answered(
    uow: UnitOfWork,
    *,
    offer_id: uuid.UUID,
    decision: str,
    reason_code: str | None,
    policy: Policy,
    now: datetime,
) -> None:
    """The landlords service's decision; one that comes too late or on a closed offer changes nothing."""
    if decision == "accept":
        if not await offer_repo.transition(
            uow.session,
            offer_id=offer_id,
            expected=BEFORE_LANDLORD_CONFIRMATION,
            now=now,
            deadline="landlord_decide_by",
            values={"landlord_answer": "accept", "landlord_answered_at": now},
        ):
            return
        offer = await load_offer(uow, offer_id)
        uow.emit(
            matching.OfferAccepted(
                entity_version=offer.version, by="landlord", occurred_at=now, **event_ids(offer)
            ),
            aggregate_id=str(offer.id),
        )
        await agree_if_both(uow, offer=offer, now=now)
        return
    if not await offer_repo.transition(
        uow.session,
        offer_id=offer_id,
        expected=BEFORE_LANDLORD_CONFIRMATION,
        now=now,
        deadline="landlord_decide_by",
        values={
            "status": "refused_by_landlord",
            "landlord_answer": "decline",
            "landlord_reason": reason_code,
            "landlord_answered_at": now,
            "closed_at": now,
        },
    ):
        return
    offer = await load_offer(uow, offer_id)
    uow.emit(
        matching.OfferDeclined(
            entity_version=offer.version,
            by="landlord",
            reason_code=reason_code or "OTHER_REVIEWED",
            classification=None,
            occurred_at=now,
            **event_ids(offer),
        ),
        aggregate_id=str(offer.id),
    )
    await free_units(
        uow, programme=offer.programme, unit_ids={offer.unit_id}, policy=policy, now=now
    )


async def expire_due(uow: UnitOfWork, *, policy: Policy, now: datetime) -> int:
    """The 30 s sweep: open offers past a deadline expire; a household's silence is NO_RESPONSE."""
    expired = 0
    freed: dict[str, set[uuid.UUID]] = {}
    no_response = str(policy.value("refusal.no_response_counts_as"))
    for offer in await offer_repo.due_for_expiry(uow.session, now=now):
        silent = offer.status in BEFORE_HOUSEHOLD_ANSWER
        values: dict[str, object] = {"status": "expired", "closed_at": now}
        if silent:
            values |= {"household_reason": "NO_RESPONSE", "classification": no_response}
        if not await offer_repo.transition(
            uow.session,
            offer_id=offer.id,
            expected=(offer.status,),
            now=now,
            deadline=None,
            values=values,
        ):
            continue
        offer = await load_offer(uow, offer.id)
        expired += 1
        uow.emit(
            matching.OfferExpired(
                entity_version=offer.version,
                occurred_at=now,
                no_response=silent,
                **event_ids(offer),
            ),
            aggregate_id=str(offer.id),
        )
        if silent:
            emit_classified(uow, offer=offer, now=now)
        freed.setdefault(offer.programme, set()).add(offer.unit_id)
    for programme, unit_ids in freed.items():
        await free_units(uow, programme=programme, unit_ids=unit_ids, policy=policy, now=now)
    return expired


async def withdraw_offer(uow: UnitOfWork, *, offer: Offer, reason_code: str, now: datetime) -> None:
    """Unit withdrawn or household no longer eligible: an open offer before the tenancy ends here."""
    if not await offer_repo.transition(
        uow.session,
        offer_id=offer.id,
        expected=BEFORE_LANDLORD_CONFIRMATION,
        now=now,
        deadline=None,
        values={"status": "withdrawn", "closed_at": now},
    ):
        return
    offer = await load_offer(uow, offer.id)
    uow.emit(
        matching.OfferWithdrawn(
            entity_version=offer.version,
            reason_code=reason_code,
            occurred_at=now,
            **event_ids(offer),
        ),
        aggregate_id=str(offer.id),
    )
