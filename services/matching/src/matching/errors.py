"""The matching service's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import Conflict, NotFound


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
