"""The landlords service's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import Conflict, NotFound


class LandlordNotFound(NotFound):
    title = "Landlord not found"


class UnitNotFound(NotFound):
    title = "Unit not found"


class OfferNotFound(NotFound):
    title = "Offer not found"


class ApiKeyNotFound(NotFound):
    title = "API key not found"


class LandlordAlreadyOnboarded(Conflict):
    title = "A landlord with this identity is already onboarded"


class TooManyActiveKeys(Conflict):
    title = "A landlord may hold at most two active keys; revoke one first"


class UnitNotEditable(Conflict):
    title = "The unit cannot change in its current status"


class UnitAlreadyExists(Conflict):
    title = "A unit with this address and unit reference already exists"


class VerificationNotAllowed(Conflict):
    title = "This verification step does not follow from the unit's status"


class DecisionAlreadyRecorded(Conflict):
    title = "A decision on this offer is already recorded"
