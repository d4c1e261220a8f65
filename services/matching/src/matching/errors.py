"""The matching service's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import Conflict, FieldError, Invalid, NotFound


class RoundNotFound(NotFound):
    title = "Round not found"


class OfferNotFound(NotFound):
    title = "Offer not found"


class HouseholdNotFound(NotFound):
    title = "Household not found"


class RoundRunning(Conflict):
    title = "A round is already running for this scope"


class RoundNotCompleted(Conflict):
    title = "The round has no proposals to approve"


class SeedNotRevealed(Conflict):
    title = "The seed is revealed when the round completes"


class RefusalNotPending(Conflict):
    title = "The refusal is not waiting for a classification"


def visit_in_the_past() -> Invalid:
    return Invalid(
        [FieldError("/visit_at", "future", "the visit must be booked for a future time")],
        detail="The visit date is in the past",
    )


def visit_after_deadline() -> Invalid:
    return Invalid(
        [
            FieldError(
                "/visit_at",
                "before_respond_by",
                "the visit must take place before the household's answer is due",
            )
        ],
        detail="The visit date is after the offer's response deadline",
    )
