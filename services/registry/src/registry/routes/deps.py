"""Request dependencies of the registry: who may call, the policy's rules, the acting principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from registry import audit
from registry.audit import Actor
from registry.rules_policy import RegistryRules
from shared.auth import Authorize, Principal
from shared.errors import Forbidden
from shared.runtime.service import ServiceRuntime


class AuditedAuthorize(Authorize):
    """Authorize, and record every denial in the audit chain (RELIABILITY §3.7, T14)."""

    async def __call__(self, request: Request) -> Principal:
        try:
            return await super().__call__(request)
        except Forbidden:
            runtime: ServiceRuntime = request.app.state.runtime
            principal: Principal = request.state.principal
            route = getattr(request.scope.get("route"), "path", "")
            async with runtime.db.uow() as uow:
                await audit.append(
                    uow,
                    actor=Actor.of(principal),
                    action="authorization.denied",
                    object_type="route",
                    object_id=f"{request.method} {route}"[:64],
                    outcome="denied",
                    now=runtime.db.clock(),
                )
                await uow.commit()
            raise


def get_rules(request: Request) -> RegistryRules:
    rules: RegistryRules = request.app.state.rules
    return rules


Rules = Annotated[RegistryRules, Depends(get_rules)]
Caseworker = Annotated[Principal, Depends(AuditedAuthorize(roles={"caseworker"}))]
Supervisor = Annotated[Principal, Depends(AuditedAuthorize(roles={"supervisor"}))]
NotificationsService = Annotated[
    Principal, Depends(AuditedAuthorize(services={"svc-notifications"}))
]
