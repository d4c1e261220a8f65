"""The matching service's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import NotFound


class RoundNotFound(NotFound):
    title = "Round not found"
