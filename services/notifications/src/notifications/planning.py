"""Pure: which messages an event asks for, to whom, with which non-personal parameters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, get_args

from notifications import catalog
from notifications.catalog import MessageKind, MessageParams
from notifications.reasons import (
    StatusReason,
    UnitRejectedReason,
    WithdrawnReason,
    plain_eligibility_reasons,
    plain_unmatched_reason,
)
from shared.events import landlords, matching, registry
from shared.events.base import Language, Programme
from shared.events.notifications import RecipientKind


@dataclass(frozen=True)
class Plan:
    """One message to queue: one row per channel the kind uses is inserted from it."""

    kind: MessageKind
    recipient_kind: RecipientKind
    recipient_key: uuid.UUID
    params: MessageParams
    language: Language = "it"
    offer_id: uuid.UUID | None = None


@dataclass(frozen=True)
class OfferFacts:
    """What later offer events leave out, kept from matching.offer.made."""

    offer_id: uuid.UUID
    household_id: uuid.UUID
    landlord_id: uuid.UUID
    unit_id: uuid.UUID
    programme: Programme
    comune: str
    respond_by: datetime
    unit_ref: str = ""  # the landlord's label for the unit (see `unit_label`)

    @property
    def unit_label(self) -> str:
        return self.unit_ref or str(self.unit_id)


def unit_label(unit_id: uuid.UUID, reference: str | None) -> str:
    """How landlord messages name a unit: the landlord's own reference, else the unit's id."""
    label = " ".join((reference or "").split())[: catalog.BOUNDS.unit_ref_max_chars]
    label = label.rstrip(" ,;:-")
    return label or str(unit_id)


def _code(value: str | None, allowed: Any, default: str) -> Any:
    """Another service's code if the message vocabulary has it, else the generic one."""
    return value if value in get_args(allowed) else default


def _cents(euros: Decimal) -> int:
    return int(euros * 100)


def _household(
    kind: MessageKind, household_id: uuid.UUID, params: MessageParams, **kw: Any
) -> Plan:
    return Plan(kind, "household", household_id, params, **kw)


def _landlord(kind: MessageKind, landlord_id: uuid.UUID, params: MessageParams, **kw: Any) -> Plan:
    return Plan(kind, "landlord", landlord_id, params, **kw)


# The agency writes about its own programme first: SAP is recorded but has no rounds yet (DESIGN.md).
PROGRAMME_ORDER: tuple[Programme, ...] = ("agency", "sas", "sap")


def _agency_first(
    programmes: Sequence[registry.ProgrammeEligibility],
) -> list[registry.ProgrammeEligibility]:
    return sorted(programmes, key=lambda p: PROGRAMME_ORDER.index(p.programme))


def household_registered(event: registry.HouseholdRegistered) -> list[Plan]:
    programmes = _agency_first(event.profile.programmes) if event.profile is not None else []
    programme: Programme = programmes[0].programme if programmes else "agency"
    return [
        _household(
            MessageKind.APPLICATION_RECEIVED,
            event.household_id,
            catalog.ApplicationReceived(programme=programme),
            language=event.language,
        )
    ]


def eligibility_assessed(event: registry.EligibilityAssessed) -> list[Plan]:
    """One message per event: the first programme (agency first) the household is eligible for,
    else the first outcome with its plain-language reasons (a message is unique per event and channel)."""
    if not event.programmes:
        return []
    ordered = _agency_first(event.programmes)
    eligible = [p for p in ordered if p.eligible]
    chosen = eligible[0] if eligible else ordered[0]
    reasons = (
        ()
        if chosen.eligible
        else plain_eligibility_reasons(chosen.reason_codes, limit=catalog.BOUNDS.reasons_max)
        or ("OTHER",)
    )
    params = catalog.EligibilityOutcome(
        programme=chosen.programme,
        outcome="eligible" if chosen.eligible else "ineligible",
        reasons=reasons,
    )
    return [_household(MessageKind.ELIGIBILITY_OUTCOME, event.household_id, params)]


def status_changed(event: registry.HouseholdStatusChanged) -> list[Plan]:
    if event.status not in ("suspended", "excluded"):
        return []
    until: date | None = event.until
    params = catalog.StatusChanged(
        programme=event.programme,
        status=event.status,
        reason=_code(event.reason_code, StatusReason, "OTHER"),
        until=until,
    )
    return [_household(MessageKind.STATUS_CHANGED, event.household_id, params)]


def landlord_onboarded(event: landlords.LandlordOnboarded) -> list[Plan]:
    return [_landlord(MessageKind.LANDLORD_WELCOME, event.landlord_id, catalog.LandlordWelcome())]


def unit_submitted(event: landlords.UnitSubmitted) -> list[Plan]:
    params = catalog.UnitReceived(
        unit_ref=unit_label(event.unit_id, event.unit_reference), comune=event.comune
    )
    return [_landlord(MessageKind.UNIT_RECEIVED, event.landlord_id, params)]


def unit_published(event: landlords.UnitPublished) -> list[Plan]:
    params = catalog.UnitPublished(
        unit_ref=unit_label(event.unit_id, event.unit_reference), comune=event.comune
    )
    return [_landlord(MessageKind.UNIT_PUBLISHED, event.landlord_id, params)]


def unit_rejected(
    event: landlords.UnitRejected, *, comune: str, reference: str | None = None
) -> list[Plan]:
    params = catalog.UnitRejected(
        unit_ref=unit_label(event.unit_id, reference),
        comune=comune,
        reason=_code(event.reason_code, UnitRejectedReason, "OTHER"),
    )
    return [_landlord(MessageKind.UNIT_REJECTED, event.landlord_id, params)]


def offer_made(event: matching.OfferMade, *, reference: str | None = None) -> list[Plan]:
    household = catalog.OfferMade(
        programme=event.programme,
        comune=event.comune,
        rent_cents=_cents(event.rent_eur),
        charges_cents=_cents(event.charges_eur),
        respond_by=event.respond_by,
    )
    landlord = catalog.OfferOnUnit(
        unit_ref=unit_label(event.unit_id, reference),
        comune=event.comune,
        programme=event.programme,
        household_size=event.household_size,
        respond_by=event.respond_by,
        decide_by=event.landlord_decide_by,
    )
    return [
        _household(MessageKind.OFFER_MADE, event.household_id, household, offer_id=event.offer_id),
        _landlord(MessageKind.OFFER_ON_UNIT, event.landlord_id, landlord),
    ]


def offer_reminder(facts: OfferFacts) -> list[Plan]:
    params = catalog.OfferReminder(comune=facts.comune, respond_by=facts.respond_by)
    return [
        _household(MessageKind.OFFER_REMINDER, facts.household_id, params, offer_id=facts.offer_id)
    ]


def household_answered(facts: OfferFacts, *, by: str, accepted: bool) -> list[Plan]:
    if by != "household":
        return []
    params = catalog.HouseholdAnswered(
        unit_ref=facts.unit_label,
        comune=facts.comune,
        answer="accepted" if accepted else "declined",
    )
    return [_landlord(MessageKind.HOUSEHOLD_ANSWERED, facts.landlord_id, params)]


def offer_expired(facts: OfferFacts) -> list[Plan]:
    params = catalog.OfferExpired(comune=facts.comune)
    return [_household(MessageKind.OFFER_EXPIRED, facts.household_id, params)]


def visit_booked(facts: OfferFacts, *, visit_at: datetime) -> list[Plan]:
    """Both sides learn when the caseworker booked the visit (moved: told again)."""
    return [
        _household(
            MessageKind.VISIT_BOOKED,
            facts.household_id,
            catalog.VisitBooked(comune=facts.comune, visit_at=visit_at),
        ),
        _landlord(
            MessageKind.LANDLORD_VISIT_BOOKED,
            facts.landlord_id,
            catalog.LandlordVisitBooked(
                unit_ref=facts.unit_label, comune=facts.comune, visit_at=visit_at
            ),
        ),
    ]


def offer_withdrawn(facts: OfferFacts, *, reason_code: str) -> list[Plan]:
    params = catalog.OfferWithdrawn(
        comune=facts.comune, reason=_code(reason_code, WithdrawnReason, "OTHER")
    )
    return [_household(MessageKind.OFFER_WITHDRAWN, facts.household_id, params)]


def tenancy_agreed(facts: OfferFacts) -> list[Plan]:
    return [
        _household(
            MessageKind.TENANCY_AGREED,
            facts.household_id,
            catalog.TenancyAgreed(comune=facts.comune),
        ),
        _landlord(
            MessageKind.LANDLORD_TENANCY_AGREED,
            facts.landlord_id,
            catalog.LandlordTenancyAgreed(unit_ref=facts.unit_label, comune=facts.comune),
        ),
    ]


def household_unmatched(event: matching.HouseholdUnmatched) -> list[Plan]:
    params = catalog.RoundNotMatched(reason=plain_unmatched_reason(event.reason_code))
    return [_household(MessageKind.ROUND_NOT_MATCHED, event.household_id, params)]
