"""The registry's domain errors, each with its HTTP meaning."""

from __future__ import annotations

import uuid

from shared.errors import Conflict, Invalid, NotFound


class HouseholdNotFound(NotFound):
    title = "Household not found"


class HouseholdInvalid(Invalid):
    """Incoherent or out-of-policy facts (422), every field's rule listed."""


class DuplicateApplication(Conflict):
    """A codice fiscale already on an active application: names that application, never its people."""

    problem_type = "duplicate-application"
    title = "A member is already on an active application"

    def __init__(self, existing: uuid.UUID | None) -> None:
        super().__init__(
            "a codice fiscale of this household is already on an active application",
            extra={"existing_application_id": str(existing)} if existing else None,
        )


class HouseholdClosed(Conflict):
    problem_type = "household-closed"
    title = "The household's application is closed"


class NotADraft(Conflict):
    problem_type = "not-a-draft"
    title = "Only a draft can be submitted"


class UnderLegalHold(Conflict):
    problem_type = "legal-hold"
    title = "The household is under legal hold"
