"""Offers on a landlord's units: the local view of matching's offers, and the landlord's decision.

Matching is the authority on an offer's state. This view answers 409 when it already shows the
offer closed; otherwise the decision is recorded as pending, sent to matching, and confirmed or
rejected (too late) when matching's event arrives.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from landlords import repository
from landlords.errors import DecisionAlreadyRecorded, OfferNotFound
from landlords.models import Offer
from landlords.offer_schemas import OfferDecision, OfferLandlordView, OfferPage, OfferStaffView
from landlords.pagination import decode_cursor, next_cursor
from landlords.rules_policy import LandlordsRules
from landlords.service.landlords import scope_of
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import OfferNotOpen
from shared.events import matching
from shared.events.landlords import OfferAnswered

# Statuses in which the landlord may still answer (DOMAIN 2.2: before its confirmation).
DECIDABLE = frozenset({"sent", "visit_booked", "accepted_by_household"})
OPEN = DECIDABLE | {"confirmed_by_landlord"}
# Offers that became tenancies are kept by law; the others are erased with the household.
KEPT_BY_LAW = ("tenancy_agreed",)


def _view_fields(row: Offer, *, guarantee: bool) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_id": row.unit_id,
        "programme": row.programme,
        "household_size": row.household_size,
        "pets": row.pets,
        "smoker": row.smoker,
        "agency_guarantee": guarantee,
        "respond_by": row.respond_by,
        "landlord_decide_by": row.landlord_decide_by,
        "visit_at": row.visit_at,
        "status": row.status,
        "open": row.status in OPEN,
        "decision": row.decision,
        "decision_reason_code": row.decision_reason_code,
        "decision_state": row.decision_state,
        "decided_at": row.decided_at,
        "created_at": row.created_at,
    }


def offer_view(
    row: Offer, *, principal: Principal, guarantee: bool
) -> OfferLandlordView | OfferStaffView:
    fields = _view_fields(row, guarantee=guarantee)
    if principal.kind == "staff":
        return OfferStaffView(
            **fields,
            landlord_id=row.landlord_id,
            household_id=row.household_id,
            decision_reason_text=row.decision_reason_text,
        )
    return OfferLandlordView(**fields)


async def _guarantees(
    uow: UnitOfWork, *, rows: list[Offer], rules: LandlordsRules
) -> dict[uuid.UUID, bool]:
    types = await repository.unit_contract_types(uow.session, unit_ids=[r.unit_id for r in rows])
    eligible = rules.units.incentive_contract_types
    return {r.id: types.get(r.unit_id) in eligible for r in rows}


async def list_offers(
    uow: UnitOfWork,
    *,
    principal: Principal,
    rules: LandlordsRules,
    unit_id: uuid.UUID | None,
    status: str | None,
    landlord_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> OfferPage:
    scope = scope_of(principal)
    if scope is not None and landlord_id not in (None, scope):
        return OfferPage(items=[])
    rows = await repository.list_offers(
        uow.session,
        landlord_id=scope or landlord_id,
        unit_id=unit_id,
        status=status,
        after=decode_cursor(cursor),
        limit=limit,
    )
    guarantees = await _guarantees(uow, rows=rows, rules=rules)
    return OfferPage(
        items=[offer_view(r, principal=principal, guarantee=guarantees[r.id]) for r in rows],
        next_cursor=next_cursor([r.id for r in rows], limit=limit),
    )


async def get_offer(
    uow: UnitOfWork, *, offer_id: uuid.UUID, principal: Principal, rules: LandlordsRules
) -> OfferLandlordView | OfferStaffView:
    row = await repository.get_offer(
        uow.session, offer_id=offer_id, landlord_id=scope_of(principal)
    )
    if row is None:
        raise OfferNotFound()
    guarantees = await _guarantees(uow, rows=[row], rules=rules)
    return offer_view(row, principal=principal, guarantee=guarantees[row.id])


async def decide_offer(
    uow: UnitOfWork,
    *,
    offer_id: uuid.UUID,
    principal: Principal,
    decision: OfferDecision,
    rules: LandlordsRules,
    now: datetime,
) -> OfferLandlordView | OfferStaffView:
    landlord_id = uuid.UUID(principal.id)
    row = await repository.get_offer(
        uow.session, offer_id=offer_id, landlord_id=landlord_id, for_update=True
    )
    if row is None:
        raise OfferNotFound()
    if row.status not in DECIDABLE:
        raise OfferNotOpen()
    if row.decision is not None:
        raise DecisionAlreadyRecorded()
    row.decision = decision.decision
    row.decision_reason_code = None if decision.reason_code is None else decision.reason_code.value
    row.decision_reason_text = decision.reason_text
    row.decision_state = "pending"
    row.decided_at = now
    row.updated_at = now
    uow.emit(
        OfferAnswered(
            occurred_at=now,
            offer_id=row.id,
            unit_id=row.unit_id,
            landlord_id=row.landlord_id,
            decision=decision.decision,
            reason_code=row.decision_reason_code,
        ),
        aggregate_id=str(row.id),
    )
    guarantees = await _guarantees(uow, rows=[row], rules=rules)
    return offer_view(row, principal=principal, guarantee=guarantees[row.id])


# --- matching's offer events ---------------------------------------------------------------------

OfferEvent = (
    matching.OfferMade
    | matching.OfferVisitBooked
    | matching.OfferAccepted
    | matching.OfferDeclined
    | matching.OfferExpired
    | matching.OfferWithdrawn
    | matching.TenancyAgreed
)


def _status_of(event: OfferEvent) -> str:
    if isinstance(event, matching.OfferMade):
        return "sent"
    if isinstance(event, matching.OfferVisitBooked):
        return "visit_booked"
    if isinstance(event, matching.OfferAccepted):
        return "confirmed_by_landlord" if event.by == "landlord" else "accepted_by_household"
    if isinstance(event, matching.OfferDeclined):
        return "refused_by_landlord" if event.by == "landlord" else "refused_by_household"
    if isinstance(event, matching.OfferExpired):
        return "expired"
    if isinstance(event, matching.OfferWithdrawn):
        return "withdrawn"
    return "tenancy_agreed"


def _settle_decision(row: Offer, status: str) -> None:
    """A pending decision is confirmed when matching agrees with it, rejected when it came too late."""
    if row.decision_state != "pending":
        return
    agrees = (
        row.decision == "accept" and status in ("confirmed_by_landlord", "tenancy_agreed")
    ) or (row.decision == "decline" and status == "refused_by_landlord")
    if agrees:
        row.decision_state = "confirmed"
    elif status not in DECIDABLE:
        row.decision_state = "rejected"


async def apply_offer_event(uow: UnitOfWork, *, event: OfferEvent, now: datetime) -> None:
    """Apply one of matching's offer events; an older version than the one held changes nothing."""
    row = await repository.get_offer(
        uow.session, offer_id=event.offer_id, landlord_id=None, for_update=True
    )
    status = _status_of(event)
    if row is None:
        row = Offer(
            id=event.offer_id,
            unit_id=event.unit_id,
            landlord_id=event.landlord_id,
            household_id=event.household_id,
            status=status,
            entity_version=event.entity_version,
            created_at=now,
            updated_at=now,
        )
        await repository.add_offer(uow.session, offer=row)
        newer = True
    else:
        newer = event.entity_version > row.entity_version
    if isinstance(event, matching.OfferMade):
        # Facts arrive with the made event, whatever order the others came in.
        row.programme = event.programme
        row.household_size = event.household_size
        row.pets = event.pets
        row.smoker = event.smoker
        row.respond_by = event.respond_by
        row.landlord_decide_by = event.landlord_decide_by
    if isinstance(event, matching.OfferVisitBooked) and (newer or row.visit_at is None):
        row.visit_at = event.visit_at  # a later event may have overtaken it: keep the date anyway
    if newer:
        row.status = status
        row.entity_version = event.entity_version
        row.updated_at = now
        _settle_decision(row, status)
    if not newer:
        return
    if status == "sent":
        await repository.set_unit_status_from_offer(
            uow.session, unit_id=event.unit_id, expected=("published",), status="offered", now=now
        )
    elif status == "tenancy_agreed":
        await repository.set_unit_status_from_offer(
            uow.session,
            unit_id=event.unit_id,
            expected=("published", "offered"),
            status="let",
            now=now,
        )
    elif status not in OPEN:
        await repository.set_unit_status_from_offer(
            uow.session, unit_id=event.unit_id, expected=("offered",), status="published", now=now
        )
