"""The notifications service's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unauthenticated


class MessageNotFound(NotFound):
    title = "Message not found"


class NotRenderable(Conflict):
    title = "The message cannot be rendered with the current templates"


class InvalidReceipt(Unauthenticated):
    title = "Delivery receipt signature invalid"
    headers = {}
