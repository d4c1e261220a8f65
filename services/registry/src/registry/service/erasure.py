"""Erasure (GDPR art. 17): delete PII, keep a minimal record, emit `erased`, collect confirmations."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from registry import audit, repository
from registry.audit import SYSTEM, Actor
from registry.dates import add_months
from registry.errors import HouseholdNotFound
from registry.models import ErasureConfirmation, ErasureRequest, Household
from registry.rules_policy import RegistryRules
from registry.service import assessing
from registry.service import statuses as status_service
from registry.service.households import load, load_fields
from registry.status import HouseholdStatus
from registry.views import ErasureView
from shared.db import InfraTables, UnitOfWork, new_id
from shared.events.registry import HouseholdErased

logger = logging.getLogger(__name__)


async def erasure_view(uow: UnitOfWork, *, request: ErasureRequest) -> ErasureView:
    confirmed = await repository.confirmations_of(uow.session, erasure_id=request.id)
    return ErasureView(
        erasure_id=request.id,
        household_id=request.household_id,
        outcome=request.outcome,
        requested_at=request.requested_at,
        expected_services=list(request.expected_services),
        confirmed_services=sorted(c.service for c in confirmed),
        completed_at=request.completed_at,
    )


def _clear_pii(household: Household) -> None:
    """Keep only a minimal anonymised record: size, comune, language, state, times."""
    for name in (
        "reference", "legal_status", "properties", "exclusion_events", "prior_public_ownership",
        "eviction", "housing_condition", "categories", "isee_cents", "isee_issued_on",
        "isee_scale", "net_monthly_income_cents", "rent_support_cents", "financial_assets_cents",
        "real_estate_assets_cents", "isbar", "needs", "preferences", "email", "mobile",
        "preferred_channel", "consents", "priority_lines",
    ):  # fmt: skip
        setattr(household, name, None)
    household.category_codes = ","
    household.priority_score = 0
    household.work_comune = None


async def erase(
    uow: UnitOfWork,
    *,
    household_id: uuid.UUID,
    reason_code: str,
    services: list[str],
    infra: InfraTables,
    rules: RegistryRules,
    actor: Actor,
    now: datetime,
) -> ErasureView:
    """Art. 17: delete the PII and emit `erased`; under legal hold, restrict processing instead."""
    household = await load(uow, household_id=household_id, for_update=True)
    if household.state == "erased":
        previous = await repository.latest_erasure(uow.session, household_id=household.id)
        if previous is not None:
            return await erasure_view(uow, request=previous)
    status_service.touch(household, now=now)
    request = ErasureRequest(
        id=new_id(),
        household_id=household.id,
        outcome="restricted" if household.legal_hold else "erased",
        reason_code=reason_code,
        expected_services=[] if household.legal_hold else list(services),
        requested_by=actor.id[:100],
        requested_at=now,
    )
    if household.legal_hold:
        # Art. 17(3)(b): kept for the legal claim, excluded from matching and all other processing.
        household.restricted = True
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
    else:
        today = assessing.local_today(now)
        for row in (await status_service.statuses(uow, household=household)).values():
            await status_service.change(
                uow,
                household=household,
                row=row,
                to=HouseholdStatus.ERASED,
                actor=actor,
                reason_code=reason_code,
                today=today,
                now=now,
                emit=False,
            )
        await repository.clear_history(uow.session, household_id=household.id)
        await repository.forget_idempotent_responses(
            uow.session, infra=infra, household_id=household.id
        )
        await repository.forget_published_outbox(
            uow.session, infra=infra, household_id=household.id
        )
        _clear_pii(household)
        household.state = "erased"
        household.closed_at = household.closed_at or now
        uow.emit(
            HouseholdErased(
                occurred_at=now,
                household_id=household.id,
                erasure_id=request.id,
                reason_code=reason_code,
            ),
            aggregate_id=str(household.id),
        )
    await repository.add(uow.session, request)
    await audit.append(
        uow,
        actor=actor,
        action=f"household.erasure.{request.outcome}",
        object_type="household",
        object_id=household.id,
        now=now,
    )
    return await erasure_view(uow, request=request)


async def erasure_status(uow: UnitOfWork, *, household_id: uuid.UUID) -> ErasureView:
    request = await repository.latest_erasure(uow.session, household_id=household_id)
    if request is None:
        raise HouseholdNotFound()
    return await erasure_view(uow, request=request)


async def record_erasure_confirmation(
    uow: UnitOfWork, *, erasure_id: uuid.UUID, household_id: uuid.UUID, service: str, now: datetime
) -> None:
    await repository.add_erasure_confirmation(
        uow.session,
        row=ErasureConfirmation(
            erasure_id=erasure_id, service=service, household_id=household_id, confirmed_at=now
        ),
    )
    request = await repository.get_erasure(uow.session, erasure_id=erasure_id)
    if request is None or request.completed_at is not None:
        return
    confirmed = {
        c.service for c in await repository.confirmations_of(uow.session, erasure_id=erasure_id)
    }
    if set(request.expected_services) <= confirmed:
        request.completed_at = now
        await repository.add(uow.session, request)
        await audit.append(
            uow,
            actor=SYSTEM,
            action="household.erasure.completed",
            object_type="household",
            object_id=household_id,
            now=now,
        )


async def alert_unconfirmed(uow: UnitOfWork, *, now: datetime, after: timedelta) -> dict[str, int]:
    """RELIABILITY §4.5 (5): erasures some service has not confirmed `after` the request raise an
    alert (an ERROR log per missing service, which operators page on); returns them by service."""
    missing: dict[str, int] = {}
    for request in await repository.unconfirmed_erasures(uow.session, requested_before=now - after):
        confirmed = {
            c.service for c in await repository.confirmations_of(uow.session, erasure_id=request.id)
        }
        for service in set(request.expected_services) - confirmed:
            missing[service] = missing.get(service, 0) + 1
    for service, count in sorted(missing.items()):
        logger.error(
            "erasure not confirmed in time",
            extra={"peer": service, "count": count, "error_code": "erasure_unconfirmed"},
        )
    return missing


def months_before(now: datetime, months: int) -> datetime:
    day = add_months(now.date(), -months)
    return now.replace(year=day.year, month=day.month, day=day.day)


async def retention_sweep(
    uow: UnitOfWork,
    *,
    cutoff: datetime,
    services: list[str],
    infra: InfraTables,
    rules: RegistryRules,
    now: datetime,
) -> int:
    """Erase closed households past the policy's retention period (held ones are kept)."""
    expired = await repository.closed_before(uow.session, cutoff=cutoff)
    for household in expired:
        await erase(
            uow,
            household_id=household.id,
            reason_code="retention",
            services=services,
            infra=infra,
            rules=rules,
            actor=SYSTEM,
            now=now,
        )
    return len(expired)
