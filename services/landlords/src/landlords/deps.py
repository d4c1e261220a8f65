"""Request dependencies of the landlords service: the unit checker, rate limits and principals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from landlords.access import LandlordsAuthorize, RateLimits, limits_of
from landlords.unit_rules import UnitChecker
from shared.auth import Principal
from shared.runtime.service import ServiceRuntime


def get_checker(request: Request) -> UnitChecker:
    runtime: ServiceRuntime = request.app.state.runtime
    checker: UnitChecker = runtime.extras["checker"]
    return checker


def get_limits(request: Request) -> RateLimits:
    return limits_of(request.app.state.runtime)


Checker = Annotated[UnitChecker, Depends(get_checker)]
Limits = Annotated[RateLimits, Depends(get_limits)]

Caseworker = Annotated[Principal, Depends(LandlordsAuthorize(roles={"caseworker"}))]
Supervisor = Annotated[Principal, Depends(LandlordsAuthorize(roles={"supervisor"}))]
Landlord = Annotated[Principal, Depends(LandlordsAuthorize(landlord=True))]
StaffOrLandlord = Annotated[
    Principal, Depends(LandlordsAuthorize(roles={"caseworker"}, landlord=True))
]
SupervisorOrLandlord = Annotated[
    Principal, Depends(LandlordsAuthorize(roles={"supervisor"}, landlord=True))
]
Notifications = Annotated[Principal, Depends(LandlordsAuthorize(services={"svc-notifications"}))]
Registry = Annotated[Principal, Depends(LandlordsAuthorize(services={"svc-registry"}))]
