"""Message kinds: audience, channels and the bounded, non-personal parameters each one takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from notifications.reasons import (
    EligibilityReason,
    HouseholdStatus,
    LandlordAnswer,
    NotMatchedReason,
    StatusReason,
    UnitRejectedReason,
    WithdrawnReason,
)
from shared.events.base import Language, Programme
from shared.events.notifications import Channel

Audience = Literal["household", "landlord"]
Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class NotificationLimits:
    """Caps from RELIABILITY.md §3.5 and R8; the service enforces the rates, rendering the SMS length."""

    sms_per_household_per_day: int = 3
    household_triggered_per_minute: int = 5
    sms_per_day: int = 1_000
    email_per_day: int = 10_000
    sms_max_segments: int = 2
    offer_reminder_lead_hours: int = 48


@dataclass(frozen=True)
class ParamBounds:
    """Upper bounds of message parameters; they also keep every SMS within its segment cap."""

    comune_max_chars: int = 40  # the longest of the 47 is 29 ("Corte de' Cortesi con Cignone")
    unit_ref_max_chars: int = 36
    rooms_max: int = 20  # the same bounds as landlords.unit.published.v1
    area_m2_max: int = 10_000
    floor_min: int = -2
    floor_max: int = 50
    money_max_cents: int = 1_000_000
    household_size_max: int = 20
    reasons_max: int = 6
    link_max_chars: int = 100


BOUNDS = ParamBounds()

ComuneText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=BOUNDS.comune_max_chars,
        pattern=r"^[^\x00-\x1f\x7f]+$",
    ),
]
UnitRef = Annotated[
    str,
    StringConstraints(
        # The landlord's own label ("Via Roma 3, int. 2"), or the unit's id when it gave none.
        max_length=BOUNDS.unit_ref_max_chars,
        pattern=r"^[^\x00-\x1f\x7f]+$",
    ),
]
Cents = Annotated[int, Field(ge=0, le=BOUNDS.money_max_cents)]
Rooms = Annotated[int, Field(ge=1, le=BOUNDS.rooms_max)]


def _whole(value: object) -> object:
    """Surfaces arrive as decimals (landlords' events); messages show whole square metres."""
    if isinstance(value, Decimal | float | str):
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return value


SquareMetres = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=BOUNDS.area_m2_max)]


class MessageParams(BaseModel):
    """Parameters a message is rendered from; stored with the message, so nothing personal."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ApplicationReceived(MessageParams):
    programme: Programme


class EligibilityOutcome(MessageParams):
    programme: Programme
    outcome: Literal["eligible", "ineligible"]
    reasons: tuple[EligibilityReason, ...] = Field(default=(), max_length=BOUNDS.reasons_max)

    @model_validator(mode="after")
    def _reasons_match_outcome(self) -> Self:
        if (self.outcome == "ineligible") != bool(self.reasons):
            raise ValueError("reasons are required exactly when the outcome is ineligible")
        return self


class RoundNotMatched(MessageParams):
    reason: NotMatchedReason
    programme: Programme | None = None  # matching's unmatched event names the round, not it


class OfferMade(MessageParams):
    """The unit's features are optional: the summary says what is known, the link shows the rest."""

    programme: Programme
    comune: ComuneText
    rent_cents: Cents
    charges_cents: Cents
    respond_by: AwareDatetime
    rooms: Rooms | None = None
    bedrooms: Annotated[int, Field(ge=0, le=BOUNDS.rooms_max)] | None = None
    area_m2: SquareMetres | None = None
    floor: Annotated[int, Field(ge=BOUNDS.floor_min, le=BOUNDS.floor_max)] | None = None
    lift: bool | None = None
    step_free: bool | None = None


class OfferReminder(MessageParams):
    comune: ComuneText
    respond_by: AwareDatetime


class OfferExpired(MessageParams):
    comune: ComuneText


class VisitBooked(MessageParams):
    comune: ComuneText
    visit_at: AwareDatetime


class OfferWithdrawn(MessageParams):
    comune: ComuneText
    reason: WithdrawnReason


class TenancyAgreed(MessageParams):
    comune: ComuneText
    sign_by: date | None = None


class StatusChanged(MessageParams):
    programme: Programme
    status: HouseholdStatus
    reason: StatusReason
    until: date | None = None
    review_by: date | None = None


class LandlordWelcome(MessageParams):
    """Nothing personal to say: the API key itself is shown once by the landlords service."""


class UnitReceived(MessageParams):
    unit_ref: UnitRef
    comune: ComuneText


class UnitPublished(MessageParams):
    unit_ref: UnitRef
    comune: ComuneText


class UnitRejected(MessageParams):
    unit_ref: UnitRef
    comune: ComuneText
    reason: UnitRejectedReason


class OfferOnUnit(MessageParams):
    """§5.4: before both sides accept, a landlord learns the household's size and nothing else."""

    unit_ref: UnitRef
    comune: ComuneText
    programme: Programme
    household_size: Annotated[int, Field(ge=1, le=BOUNDS.household_size_max)]
    respond_by: AwareDatetime  # the household's deadline
    decide_by: AwareDatetime | None = None  # the landlord's, after the visit


class HouseholdAnswered(MessageParams):
    unit_ref: UnitRef
    comune: ComuneText
    answer: LandlordAnswer


class LandlordVisitBooked(MessageParams):
    unit_ref: UnitRef
    comune: ComuneText
    visit_at: AwareDatetime


class LandlordTenancyAgreed(MessageParams):
    unit_ref: UnitRef
    comune: ComuneText
    sign_by: date | None = None


class MessageKind(StrEnum):
    APPLICATION_RECEIVED = "household.application_received"
    ELIGIBILITY_OUTCOME = "household.eligibility_outcome"
    ROUND_NOT_MATCHED = "household.round_not_matched"
    OFFER_MADE = "household.offer_made"
    OFFER_REMINDER = "household.offer_reminder"
    OFFER_EXPIRED = "household.offer_expired"
    VISIT_BOOKED = "household.visit_booked"
    OFFER_WITHDRAWN = "household.offer_withdrawn"
    TENANCY_AGREED = "household.tenancy_agreed"
    STATUS_CHANGED = "household.status_changed"
    LANDLORD_WELCOME = "landlord.welcome"
    UNIT_RECEIVED = "landlord.unit_received"
    UNIT_PUBLISHED = "landlord.unit_published"
    UNIT_REJECTED = "landlord.unit_rejected"
    OFFER_ON_UNIT = "landlord.offer_on_unit"
    HOUSEHOLD_ANSWERED = "landlord.household_answered"
    LANDLORD_VISIT_BOOKED = "landlord.visit_booked"
    LANDLORD_TENANCY_AGREED = "landlord.tenancy_agreed"

    @property
    def audience(self) -> Audience:
        return "household" if self.value.startswith("household.") else "landlord"

    @property
    def template_name(self) -> str:
        """Path of the kind's templates inside a language folder, without the extension."""
        return self.value.replace(".", "/", 1)


@dataclass(frozen=True)
class KindSpec:
    kind: MessageKind
    params: type[MessageParams]
    channels: frozenset[Channel]
    needs_link: bool = False  # the signed link is fetched at send time and never stored


_BOTH: frozenset[Channel] = frozenset({"email", "sms"})
_EMAIL: frozenset[Channel] = frozenset({"email"})

CATALOG: Mapping[MessageKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(MessageKind.APPLICATION_RECEIVED, ApplicationReceived, _BOTH),
        KindSpec(MessageKind.ELIGIBILITY_OUTCOME, EligibilityOutcome, _BOTH),
        KindSpec(MessageKind.ROUND_NOT_MATCHED, RoundNotMatched, _BOTH),
        KindSpec(MessageKind.OFFER_MADE, OfferMade, _BOTH, needs_link=True),
        KindSpec(MessageKind.OFFER_REMINDER, OfferReminder, _BOTH, needs_link=True),
        KindSpec(MessageKind.OFFER_EXPIRED, OfferExpired, _BOTH),
        KindSpec(MessageKind.VISIT_BOOKED, VisitBooked, _BOTH),
        KindSpec(MessageKind.OFFER_WITHDRAWN, OfferWithdrawn, _BOTH),
        KindSpec(MessageKind.TENANCY_AGREED, TenancyAgreed, _BOTH),
        KindSpec(MessageKind.STATUS_CHANGED, StatusChanged, _BOTH),
        KindSpec(MessageKind.LANDLORD_WELCOME, LandlordWelcome, _EMAIL),
        KindSpec(MessageKind.UNIT_RECEIVED, UnitReceived, _EMAIL),
        KindSpec(MessageKind.UNIT_PUBLISHED, UnitPublished, _EMAIL),
        KindSpec(MessageKind.UNIT_REJECTED, UnitRejected, _EMAIL),
        KindSpec(MessageKind.OFFER_ON_UNIT, OfferOnUnit, _BOTH),
        KindSpec(MessageKind.HOUSEHOLD_ANSWERED, HouseholdAnswered, _EMAIL),
        KindSpec(MessageKind.LANDLORD_VISIT_BOOKED, LandlordVisitBooked, _EMAIL),
        KindSpec(MessageKind.LANDLORD_TENANCY_AGREED, LandlordTenancyAgreed, _EMAIL),
    )
}


@dataclass(frozen=True)
class LanguageSpec:
    """How one language writes numbers and dates, and which languages stand in for a translation."""

    code: Language
    fallbacks: tuple[Language, ...]
    direction: Direction = "ltr"
    decimal_sep: str = ","
    thousands_sep: str = "."
    money: str = "{amount} €"
    date_format: str = "%d/%m/%Y"
    time_format: str = "%H:%M"


LANGUAGES: Mapping[Language, LanguageSpec] = {
    spec.code: spec
    for spec in (
        LanguageSpec("it", ()),
        LanguageSpec("en", ("it",), decimal_sep=".", thousands_sep=",", money="€{amount}"),
        # Translations still to come: the structure is ready, the fallback carries the message.
        LanguageSpec("ro", ("it", "en")),
        LanguageSpec("fr", ("it", "en")),
        LanguageSpec("ar", ("it", "en"), direction="rtl"),
        LanguageSpec("pa", ("en", "it")),
        LanguageSpec("hi", ("en", "it")),
    )
}

# The language every chain ends on, so a message is never left unrendered.
LAST_RESORT: Language = "it"


def language_chain(language: Language) -> tuple[Language, ...]:
    spec = LANGUAGES[language]
    chain = (spec.code, *spec.fallbacks, LAST_RESORT)
    return tuple(dict.fromkeys(chain))
