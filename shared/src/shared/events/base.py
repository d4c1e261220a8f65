"""The event base class and the registry of every event type, keyed by subject."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

EVENT_TYPES: dict[str, type[Event]] = {}

_SUBJECT = re.compile(r"^(registry|landlords|matching|notifications)\.[a-z_]+\.[a-z_]+\.v[0-9]+$")

# Bounded types for event fields: events never carry unbounded text (RELIABILITY.md 4.2).
Code = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.:\-]*$")]
ComuneName = Annotated[str, StringConstraints(max_length=80)]
Euros = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=9, decimal_places=2)]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
SquareMetres = Annotated[Decimal, Field(gt=0, le=10_000, max_digits=6, decimal_places=1)]
Language = Literal["it", "en", "ro", "ar", "pa", "hi", "fr"]
Programme = Literal["sap", "sas", "agency"]


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """A fact one service tells the others. Frozen; unknown fields are ignored for additive evolution."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subject: ClassVar[str]

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: datetime = Field(default_factory=_now)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        subject = cls.__dict__.get("subject")
        if subject is None:
            return
        if not _SUBJECT.match(subject):
            raise TypeError(
                f"{cls.__name__}: subject {subject!r} breaks <producer>.<entity>.<verb>.vN"
            )
        if subject in EVENT_TYPES:
            raise TypeError(f"duplicate event subject {subject!r} ({cls.__name__})")
        EVENT_TYPES[subject] = cls

    @classmethod
    def producer(cls) -> str:
        return cls.subject.split(".", 1)[0]


class EntityEvent(Event):
    """An event about one entity; consumers apply only versions newer than the one they hold."""

    entity_version: int = Field(ge=1)
