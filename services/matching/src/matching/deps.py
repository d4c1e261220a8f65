"""Request dependencies of the matching service: principals, the round worker, link keys, the page guard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from matching.runner import RoundRunner, SolverPool
from matching.service.links import LinkKeys
from shared.auth import Authorize, Principal

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


async def household_link(request: Request) -> None:
    """The household page's guard: the token in the path is the credential, checked by the service."""
    request.state.principal = Principal(kind="household", id="link")


household_link.__authorizes__ = True  # type: ignore[attr-defined]

Runner = Annotated[RoundRunner, Depends(get_runner)]
Solver = Annotated[SolverPool, Depends(get_solver)]
Keys = Annotated[LinkKeys, Depends(get_link_keys)]
HouseholdLink = Annotated[None, Depends(household_link)]
