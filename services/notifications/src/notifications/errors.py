"""The notifications service's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import NotFound


class MessageNotFound(NotFound):
    title = "Message not found"
