"""The registry's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import FieldError, Invalid, NotFound


class HouseholdNotFound(NotFound):
    title = "Household not found"


class UnknownComune(Invalid):
    def __init__(self, pointer: str) -> None:
        super().__init__(
            [
                FieldError(
                    pointer, "comune_not_in_ambito", "Must be one of the 47 comuni of the Ambito"
                )
            ]
        )
