"""Every event schema, declared once; importing this package registers them all."""

from shared.events import landlords, matching, notifications, registry
from shared.events.base import EVENT_TYPES, EntityEvent, Event

__all__ = [
    "EVENT_TYPES",
    "EntityEvent",
    "Event",
    "landlords",
    "matching",
    "notifications",
    "registry",
]
