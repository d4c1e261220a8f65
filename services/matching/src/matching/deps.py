"""Request dependencies of the matching service: principals, the round worker, link keys, the page guard."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Depends, Request

from matching.runner import RoundRunner, SolverPool
from matching.service.links import LinkKeys
from shared.auth import Authorize, Principal
from shared.errors import RateLimited
from shared.ratelimit import SlidingWindow, hashed_address

Caseworker = Annotated[Principal, Depends(Authorize(roles={"caseworker"}))]
Supervisor = Annotated[Principal, Depends(Authorize(roles={"supervisor"}))]
NotificationsService = Annotated[Principal, Depends(Authorize(services={"svc-notifications"}))]
RegistryService = Annotated[Principal, Depends(Authorize(services={"svc-registry"}))]


def _extras(request: Request) -> dict[str, Any]:
    extras: dict[str, Any] = request.app.state.runtime.extras
    return extras


def get_runner(request: Request) -> RoundRunner:
    runner: RoundRunner = _extras(request)["rounds"]
    return runner


def get_solver(request: Request) -> SolverPool:
    pool: SolverPool = _extras(request)["solver"]
    return pool


def get_link_keys(request: Request) -> LinkKeys:
    keys: LinkKeys = _extras(request)["link_keys"]
    return keys


def link_page_limits(request: Request) -> SlidingWindow:
    """One window per process, built on first use; tests inject its clock (RELIABILITY 3.5)."""
    extras = _extras(request)
    if "link_pages" not in extras:
        per_min = request.app.state.runtime.settings.link_pages_per_min
        extras["link_pages"] = SlidingWindow(per_min, 60.0)
    window: SlidingWindow = extras["link_pages"]
    return window


async def household_link(request: Request) -> None:
    """The household page's guard: the token in the path is the credential, checked by the service.

    Views and answers are limited per link and client address before the token is even checked,
    so neither a shared link nor a guessing client can hammer the page (T19).
    """
    token = str(request.path_params.get("token", ""))
    address = hashed_address(request.client.host if request.client else None)
    key = f"{address}:{hashlib.sha256(token.encode()).hexdigest()[:32]}"
    wait = link_page_limits(request).take(key)
    if wait is not None:
        raise RateLimited(retry_after_s=wait)
    request.state.principal = Principal(kind="household", id="link")


household_link.__authorizes__ = True  # type: ignore[attr-defined]

Runner = Annotated[RoundRunner, Depends(get_runner)]
Solver = Annotated[SolverPool, Depends(get_solver)]
Keys = Annotated[LinkKeys, Depends(get_link_keys)]
HouseholdLink = Annotated[None, Depends(household_link)]
