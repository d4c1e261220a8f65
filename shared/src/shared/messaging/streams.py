"""Streams and durable consumers, declared once; NATS names and permissions derive from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.events import landlords, matching, notifications, registry
from shared.events.base import Event

SERVICES: tuple[str, ...] = ("registry", "landlords", "matching", "notifications")


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age: timedelta = timedelta(days=7)
    duplicate_window: timedelta = timedelta(minutes=2)
    deny_delete: bool = True
    deny_purge: bool = False
    max_bytes: int = 1024**3


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("REGISTRY", ("registry.>",)),
    StreamSpec("LANDLORDS", ("landlords.>",)),
    StreamSpec("MATCHING", ("matching.>",)),
    StreamSpec("NOTIFICATIONS", ("notifications.>",)),
    StreamSpec("AUDIT", ("audit.>",), max_age=timedelta(days=730), deny_purge=True),
)
STREAM_BY_PRODUCER = {s.lower(): s for s in ("REGISTRY", "LANDLORDS", "MATCHING", "NOTIFICATIONS")}


@dataclass(frozen=True)
class Durable:
    """One durable pull consumer of `service` on `stream`, filtered to the events it handles."""

    service: str
    stream: str
    events: tuple[type[Event], ...]

    @property
    def name(self) -> str:
        return f"{self.service}-{self.stream.lower()}"

    @property
    def subjects(self) -> tuple[str, ...]:
        """The exact subjects the service has handlers for."""
        return tuple(e.subject for e in self.events)

    @property
    def filter_subjects(self) -> tuple[str, ...]:
        """Any version of those events, so an unknown version reaches the consumer and is dead-lettered."""
        return tuple(sorted({e.subject.rsplit(".", 1)[0] + ".*" for e in self.events}))


DURABLES: tuple[Durable, ...] = (
    Durable(
        "matching",
        "REGISTRY",
        (
            registry.HouseholdRegistered,
            registry.HouseholdUpdated,
            registry.HouseholdStatusChanged,
            registry.HouseholdWithdrawn,
            registry.HouseholdErased,
        ),
    ),
    Durable(
        "matching",
        "LANDLORDS",
        (landlords.UnitPublished, landlords.UnitWithdrawn, landlords.OfferAnswered),
    ),
    Durable(
        "landlords",
        "REGISTRY",
        (registry.HouseholdErased,),
    ),
    Durable(
        "landlords",
        "MATCHING",
        (
            matching.OfferMade,
            matching.OfferVisitBooked,
            matching.OfferAccepted,
            matching.OfferDeclined,
            matching.OfferExpired,
            matching.OfferWithdrawn,
            matching.TenancyAgreed,
        ),
    ),
    Durable(
        "notifications",
        "REGISTRY",
        (
            registry.HouseholdRegistered,
            registry.EligibilityAssessed,
            registry.HouseholdStatusChanged,
            registry.HouseholdErased,
        ),
    ),
    Durable(
        "notifications",
        "LANDLORDS",
        (
            landlords.LandlordOnboarded,
            landlords.UnitSubmitted,
            landlords.UnitPublished,
            landlords.UnitRejected,
        ),
    ),
    Durable(
        "notifications",
        "MATCHING",
        (
            matching.OfferMade,
            matching.OfferVisitBooked,
            matching.OfferAccepted,
            matching.OfferDeclined,
            matching.OfferExpired,
            matching.OfferWithdrawn,
            matching.TenancyAgreed,
            matching.HouseholdUnmatched,
        ),
    ),
    Durable(
        "registry",
        "MATCHING",
        (
            matching.HouseholdErasureConfirmed,
            matching.OfferMade,
            matching.OfferDeclined,
            matching.OfferExpired,
            matching.OfferWithdrawn,
            matching.TenancyAgreed,
            matching.RefusalClassified,
        ),
    ),
    Durable(
        "registry",
        "LANDLORDS",
        (landlords.HouseholdErasureConfirmed,),
    ),
    Durable(
        "registry",
        "NOTIFICATIONS",
        (notifications.HouseholdErasureConfirmed,),
    ),
)


def durables_of(service: str) -> tuple[Durable, ...]:
    return tuple(d for d in DURABLES if d.service == service)


def stream_of(event: type[Event]) -> str:
    return STREAM_BY_PRODUCER[event.producer()]


def _check() -> None:
    names = [d.name for d in DURABLES]
    if len(names) != len(set(names)):
        raise TypeError("two durables share a name")
    for d in DURABLES:
        for e in d.events:
            if stream_of(e) != d.stream:
                raise TypeError(f"{d.name}: {e.subject} is not on stream {d.stream}")


_check()
