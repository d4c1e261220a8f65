"""Offer lifecycle (DOMAIN.md 2.2, 4.8): answers, classification, landlord decisions, expiry, withdrawal."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from matching.errors import (
    OfferNotFound,
    RefusalNotPending,
    visit_after_deadline,
    visit_in_the_past,
)
from matching.models import OPEN_STATES, Offer, Tenancy
from matching.pagination import next_cursor
from matching.repository import offers as offer_repo
from matching.schemas import OfferPage, OfferResponse, OfferView
from matching.service.reoptimise import free_units
from matching.times import aware
from shared.db import UnitOfWork
from shared.errors import OfferNotOpen, UnitTaken
from shared.events import matching
from shared.policy import Policy

BEFORE_HOUSEHOLD_ANSWER = ("approved", "sent", "visit_booked")
BEFORE_LANDLORD_CONFIRMATION = (*BEFORE_HOUSEHOLD_ANSWER, "accepted_by_household")


def offer_view(offer: Offer) -> OfferView:
    return OfferView(
        id=offer.id,
        round_id=offer.round_id,
        household_id=offer.household_id,
        unit_id=offer.unit_id,
        landlord_id=offer.landlord_id,
        programme=offer.programme,
        status=offer.status,
        open=offer.status in OPEN_STATES,
        respond_by=aware(offer.respond_by),
        landlord_decide_by=aware(offer.landlord_decide_by),
        household_answer=offer.household_answer,
        household_reason=offer.household_reason,
        classification=offer.classification,
        landlord_answer=offer.landlord_answer,
        landlord_reason=offer.landlord_reason,
        visit_at=aware(offer.visit_at) if offer.visit_at is not None else None,
        created_at=aware(offer.created_at),
    )


async def load_offer(uow: UnitOfWork, offer_id: uuid.UUID) -> Offer:
    offer = await offer_repo.get_offer(uow.session, offer_id=offer_id)
    if offer is None:
        raise OfferNotFound()
    return offer


async def get_offer(uow: UnitOfWork, *, offer_id: uuid.UUID) -> OfferView:
    return offer_view(await load_offer(uow, offer_id))


async def list_offers(
    uow: UnitOfWork,
    *,
    after: uuid.UUID | None,
    limit: int,
    round_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    status: str | None = None,
) -> OfferPage:
    rows = await offer_repo.list_offers(
        uow.session,
        after=after,
        limit=limit,
        round_id=round_id,
        household_id=household_id,
        status=status,
    )
    return OfferPage(
        items=[offer_view(o) for o in rows],
        next_cursor=next_cursor([o.id for o in rows], limit=limit),
    )


def event_ids(offer: Offer) -> dict[str, uuid.UUID]:
    return {
        "offer_id": offer.id,
        "household_id": offer.household_id,
        "unit_id": offer.unit_id,
        "landlord_id": offer.landlord_id,
    }


async def agree_if_both(uow: UnitOfWork, *, offer: Offer, now: datetime) -> Offer:
    """Both sides accepted -> confirmed_by_landlord, a tenancy and TenancyAgreed, once."""
    if offer.status != "accepted_by_household" or offer.landlord_answer != "accept":
        return offer
    if not await offer_repo.transition(
        uow.session,
        offer_id=offer.id,
        expected=("accepted_by_household",),
        now=now,
        deadline=None,
        values={"status": "confirmed_by_landlord"},
    ):
        return offer
    try:
        async with uow.session.begin_nested():
            await offer_repo.add_tenancy(
                uow.session,
                tenancy=Tenancy(
                    id=uuid.uuid4(),
                    offer_id=offer.id,
                    household_id=offer.household_id,
                    unit_id=offer.unit_id,
                    landlord_id=offer.landlord_id,
                    agreed_at=now,
                ),
            )
    except IntegrityError:
        raise UnitTaken() from None
    offer = await load_offer(uow, offer.id)
    uow.emit(
        matching.TenancyAgreed(entity_version=offer.version, occurred_at=now, **event_ids(offer)),
        aggregate_id=str(offer.id),
    )
    return offer


async def book_visit(
    uow: UnitOfWork, *, offer_id: uuid.UUID, visit_at: datetime, now: datetime
) -> OfferView:
    """The caseworker arranged the visit (DOMAIN.md 2.1 step 7): approved|sent -> visit_booked.

    A booked visit can be moved: the new date replaces the old and both sides are told again.
    """
    if visit_at <= now:
        raise visit_in_the_past()
    offer = await load_offer(uow, offer_id)
    if visit_at > aware(offer.respond_by):
        raise visit_after_deadline()
    if not await offer_repo.transition(
        uow.session,
        offer_id=offer_id,
        expected=("approved", "sent", "visit_booked"),
        now=now,
        deadline="respond_by",
        values={"status": "visit_booked", "visit_at": visit_at},
    ):
        raise OfferNotOpen()
    offer = await load_offer(uow, offer_id)
    uow.emit(
        matching.OfferVisitBooked(
            entity_version=offer.version, occurred_at=now, visit_at=visit_at, **event_ids(offer)
        ),
        aggregate_id=str(offer.id),
    )
    return offer_view(offer)


async def respond(
    uow: UnitOfWork,
    *,
    offer_id: uuid.UUID,
    response: OfferResponse,
    by: matching.Side,
    actor: str,
    policy: Policy,
    now: datetime,
) -> OfferView:
    """The household's answer (link or caseworker); 409 offer-not-open when it is too late or taken."""
    offer = await load_offer(uow, offer_id)
    if response.answer == "accept":
        values = {
            "status": "accepted_by_household",
            "household_answer": "accept",
            "household_answered_by": actor,
            "household_answered_at": now,
        }
        expected: tuple[str, ...] = BEFORE_HOUSEHOLD_ANSWER
    else:
        auto = set(policy.value("refusal.auto_justified_reasons"))
        values = {
            "status": "refused_by_household",
            "household_answer": "decline",
            "household_reason": response.reason_code,
            "household_answered_by": actor,
            "household_answered_at": now,
            "classification": "justified" if response.reason_code in auto else "pending",
            "closed_at": now,
        }
        # One answer per offer: a household that accepted has answered (T11: one 2xx per race).
        expected = BEFORE_HOUSEHOLD_ANSWER
    if not await offer_repo.transition(
        uow.session,
        offer_id=offer_id,
        expected=expected,
        now=now,
        deadline="respond_by",
        values=values,
    ):
        raise OfferNotOpen()
    offer = await load_offer(uow, offer_id)
    if response.answer == "accept":
        uow.emit(
            matching.OfferAccepted(
                entity_version=offer.version, by=by, occurred_at=now, **event_ids(offer)
            ),
            aggregate_id=str(offer.id),
        )
        offer = await agree_if_both(uow, offer=offer, now=now)
        return offer_view(offer)
    uow.emit(
        matching.OfferDeclined(
            entity_version=offer.version,
            by=by,
            reason_code=str(response.reason_code),
            classification=offer.classification,  # type: ignore[arg-type]
            occurred_at=now,
            **event_ids(offer),
        ),
        aggregate_id=str(offer.id),
    )
    if offer.classification == "justified":
        emit_classified(uow, offer=offer, now=now)
    await free_units(
        uow, programme=offer.programme, unit_ids={offer.unit_id}, policy=policy, now=now
    )
    return offer_view(offer)


def emit_classified(uow: UnitOfWork, *, offer: Offer, now: datetime) -> None:
    uow.emit(
        matching.RefusalClassified(
            entity_version=offer.version,
            offer_id=offer.id,
            household_id=offer.household_id,
            programme=offer.programme,  # type: ignore[arg-type]
            reason_code=str(offer.household_reason),
            classification=offer.classification,  # type: ignore[arg-type]
            refused_at=offer.household_answered_at or now,
            occurred_at=now,
        ),
        aggregate_id=str(offer.id),
    )


async def classify_refusal(
    uow: UnitOfWork, *, offer_id: uuid.UUID, classification: str, by: str, now: datetime
) -> OfferView:
    """A caseworker confirms or overrides a pending refusal; the registry applies the refusal policy."""
    await load_offer(uow, offer_id)
    if not await offer_repo.classify(
        uow.session, offer_id=offer_id, classification=classification, by=by, now=now
    ):
        raise RefusalNotPending()
    offer = await load_offer(uow, offer_id)
    emit_classified(uow, offer=offer, now=now)
    return offer_view(offer)
