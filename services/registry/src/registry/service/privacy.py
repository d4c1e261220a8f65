"""GDPR (RELIABILITY §4.4-4.5): contact lookup, export, erasure with confirmations, legal hold, retention."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from registry import audit, repository
from registry.audit import Actor
from registry.errors import HouseholdNotFound
from registry.rules_policy import RegistryRules
from registry.schemas import LegalHoldIn
from registry.service import assessing, views
from registry.service import statuses as status_service
from registry.service.households import load, load_fields
from registry.views import ContactView, ExportView, LegalHoldView
from shared.db import UnitOfWork

# Gathers the other services' parts: ({service: part}, [services that did not answer]).
PartsFetcher = Callable[[uuid.UUID], Awaitable[tuple[dict[str, Any], list[str]]]]


async def contact(
    uow: UnitOfWork, *, household_id: uuid.UUID, actor: Actor, now: datetime
) -> ContactView:
    """For notifications at send time: only channels the household consented to; audited."""
    household = await load(uow, household_id=household_id)
    if household.state == "erased":
        raise HouseholdNotFound()
    consents = {k: bool(v) for k, v in (household.consents or {}).items()}
    channels = []
    if household.email and consents.get("contact_email"):
        channels.append("email")
    if household.mobile and consents.get("contact_sms"):
        channels.append("sms")
    await audit.append(
        uow,
        actor=actor,
        action="household.contact.read",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return ContactView(
        household_id=household.id,
        language=household.language,
        email=household.email if "email" in channels else None,
        mobile=household.mobile if "sms" in channels else None,
        preferred_channel=household.preferred_channel,
        channels=channels,
        consents=consents,
    )


async def export(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    rules: RegistryRules,
    fetch_parts: PartsFetcher,
    actor: Actor,
    now: datetime,
) -> ExportView:
    """Art. 15: everything the registry holds, plus each service's part over its internal endpoint."""
    household = await load(uow, household_id=household_id)
    if household.state == "erased":
        raise HouseholdNotFound()
    fields = await load_fields(uow, household=household)
    record = await views.caseworker_view(uow, household=household, fields=fields, rules=rules)
    history = await repository.eligibility_history(uow.session, household_id=household.id)
    changes = await repository.status_changes(uow.session, household_id=household.id)
    refusals = await repository.refusals_of(uow.session, household_id=household.id)
    parts, missing = await fetch_parts(household.id)
    await audit.append(
        uow,
        actor=actor,
        action="household.export",
        object_type="household",
        object_id=household.id,
        outcome="ok" if not missing else "partial",
        now=now,
    )
    return ExportView(
        household_id=household.id,
        generated_at=now,
        registry={
            "household": record.model_dump(mode="json"),
            "eligibility_history": [
                views.eligibility_view(r).model_dump(mode="json") for r in history
            ],
            "status_changes": [
                {
                    "programme": c.programme,
                    "from_status": c.from_status,
                    "to_status": c.to_status,
                    "reason_code": c.reason_code,
                    "at": c.at.isoformat(),
                }
                for c in changes
            ],
            "refusals": [
                {
                    "offer_id": str(r.offer_id),
                    "programme": r.programme,
                    "reason_code": r.reason_code,
                    "classification": r.classification,
                    "action": r.action,
                }
                for r in refusals
            ],
        },
        services=parts,
        missing_services=missing,
    )


async def set_legal_hold(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    data: LegalHoldIn,
    rules: RegistryRules,
    actor: Actor,
    now: datetime,
) -> LegalHoldView:
    household = await load(uow, household_id=household_id, for_update=True)
    if household.state == "erased":
        raise HouseholdNotFound()
    status_service.touch(household, now=now)
    household.legal_hold = data.hold
    if not data.hold:
        household.restricted = False
    fields = await load_fields(uow, household=household)
    derived = assessing.derive_only(fields, rules=rules, now=now)
    await assessing.publish(
        uow,
        household=household,
        fields=fields,
        derived=derived,
        rules=rules,
        now=now,
        assessed=False,
    )
    await audit.append(
        uow,
        actor=actor,
        action="household.legal_hold." + ("set" if data.hold else "lifted"),
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return LegalHoldView(household_id=household.id, legal_hold=household.legal_hold)
