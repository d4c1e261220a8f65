"""The landlords service's domain errors, each with its HTTP meaning."""

from __future__ import annotations

from shared.errors import NotFound


class LandlordNotFound(NotFound):
    title = "Landlord not found"
