"""All of the registry's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from registry.models import (
    AuditRecord,
    EligibilityRecord,
    ErasureConfirmation,
    ErasureRequest,
    Household,
    HouseholdDisability,
    HouseholdMember,
    ProgrammeStatusRow,
    RefusalRecord,
    StatusChange,
)
from shared.db import InfraTables

CLOSED_STATES = ("withdrawn", "erased")


async def add(session: AsyncSession, *rows: object) -> None:
    session.add_all(list(rows))
    await session.flush()


async def get_household(
    session: AsyncSession, *, household_id: uuid.UUID, for_update: bool = False
) -> Household | None:
    query = select(Household).where(col(Household.id) == household_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def members_of(session: AsyncSession, *, household_id: uuid.UUID) -> list[HouseholdMember]:
    query = (
        select(HouseholdMember)
        .where(col(HouseholdMember.household_id) == household_id)
        .order_by(col(HouseholdMember.position))
    )
    return list((await session.execute(query)).scalars())


async def disabilities_of(
    session: AsyncSession, *, household_id: uuid.UUID
) -> list[HouseholdDisability]:
    query = (
        select(HouseholdDisability)
        .where(col(HouseholdDisability.household_id) == household_id)
        .order_by(col(HouseholdDisability.member_position))
    )
    return list((await session.execute(query)).scalars())


async def replace_people(
    session: AsyncSession,
    *,
    household_id: uuid.UUID,
    members: Sequence[HouseholdMember],
    disabilities: Sequence[HouseholdDisability],
) -> None:
    await session.execute(
        delete(HouseholdDisability).where(col(HouseholdDisability.household_id) == household_id)
    )
    await session.execute(
        delete(HouseholdMember).where(col(HouseholdMember.household_id) == household_id)
    )
    await session.flush()
    session.add_all([*members, *disabilities])
    await session.flush()


async def active_application_with(
    session: AsyncSession, *, codici: Sequence[str], excluding: uuid.UUID | None = None
) -> uuid.UUID | None:
    """The id of an active application holding any of `codici`, if one exists."""
    if not codici:
        return None
    query = select(HouseholdMember.household_id).where(
        col(HouseholdMember.codice_fiscale).in_(list(codici)), col(HouseholdMember.active)
    )
    if excluding is not None:
        query = query.where(col(HouseholdMember.household_id) != excluding)
    return (await session.execute(query.limit(1))).scalars().first()


async def deactivate_members(session: AsyncSession, *, household_id: uuid.UUID) -> None:
    await session.execute(
        update(HouseholdMember)
        .where(col(HouseholdMember.household_id) == household_id)
        .values(active=False)
    )


async def statuses_of(
    session: AsyncSession, *, household_id: uuid.UUID
) -> list[ProgrammeStatusRow]:
    query = (
        select(ProgrammeStatusRow)
        .where(col(ProgrammeStatusRow.household_id) == household_id)
        .order_by(col(ProgrammeStatusRow.programme))
    )
    return list((await session.execute(query)).scalars())


async def statuses_for(
    session: AsyncSession, *, household_ids: Sequence[uuid.UUID]
) -> list[ProgrammeStatusRow]:
    if not household_ids:
        return []
    query = select(ProgrammeStatusRow).where(
        col(ProgrammeStatusRow.household_id).in_(list(household_ids))
    )
    return list((await session.execute(query)).scalars())


async def list_households(
    session: AsyncSession,
    *,
    status: str | None,
    programme: str | None,
    comune: str | None,
    category: str | None,
    after: tuple[int, uuid.UUID] | None,
    limit: int,
) -> list[Household]:
    """Households by priority (highest first), then id; keyset pagination on (priority, id)."""
    query = select(Household).where(col(Household.state) != "erased")
    if status is not None or programme is not None:
        sub = select(ProgrammeStatusRow.household_id)
        if status is not None:
            sub = sub.where(col(ProgrammeStatusRow.status) == status)
        if programme is not None:
            sub = sub.where(col(ProgrammeStatusRow.programme) == programme)
        query = query.where(col(Household.id).in_(sub))
    if comune is not None:
        query = query.where(col(Household.residence_comune) == comune)
    if category is not None:
        query = query.where(col(Household.category_codes).contains(f",{category},"))
    if after is not None:
        score, last_id = after
        query = query.where(
            or_(
                col(Household.priority_score) < score,
                (col(Household.priority_score) == score) & (col(Household.id) > last_id),
            )
        )
    query = query.order_by(col(Household.priority_score).desc(), col(Household.id)).limit(limit)
    return list((await session.execute(query)).scalars())


async def eligibility_history(
    session: AsyncSession, *, household_id: uuid.UUID
) -> list[EligibilityRecord]:
    query = (
        select(EligibilityRecord)
        .where(col(EligibilityRecord.household_id) == household_id)
        .order_by(col(EligibilityRecord.assessed_at), col(EligibilityRecord.entity_version))
    )
    return list((await session.execute(query)).scalars())


async def status_changes(session: AsyncSession, *, household_id: uuid.UUID) -> list[StatusChange]:
    query = (
        select(StatusChange)
        .where(col(StatusChange.household_id) == household_id)
        .order_by(col(StatusChange.seq))
    )
    return list((await session.execute(query)).scalars())


async def refusals_of(session: AsyncSession, *, household_id: uuid.UUID) -> list[RefusalRecord]:
    query = select(RefusalRecord).where(col(RefusalRecord.household_id) == household_id)
    return list((await session.execute(query)).scalars())


async def get_refusal(session: AsyncSession, *, offer_id: uuid.UUID) -> RefusalRecord | None:
    return await session.get(RefusalRecord, offer_id)


# --- audit -----------------------------------------------------------------------------------


async def lock_audit_chain(session: AsyncSession) -> None:
    """Serialise appends: an advisory lock on PostgreSQL; SQLite's writer lock already does it."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('registry.audit'))"))


async def audit_head(session: AsyncSession) -> AuditRecord | None:
    query = select(AuditRecord).order_by(col(AuditRecord.seq).desc()).limit(1)
    return (await session.execute(query)).scalars().first()


async def audit_records(
    session: AsyncSession, *, object_id: str | None = None
) -> list[AuditRecord]:
    query = select(AuditRecord).order_by(col(AuditRecord.seq))
    if object_id is not None:
        query = query.where(col(AuditRecord.object_id) == object_id)
    return list((await session.execute(query)).scalars())


# --- erasure ---------------------------------------------------------------------------------


async def clear_history(session: AsyncSession, *, household_id: uuid.UUID) -> None:
    """Delete what carries figures or categories: eligibility messages, refusals, people."""
    for table in (EligibilityRecord, RefusalRecord, HouseholdDisability, HouseholdMember):
        await session.execute(delete(table).where(col(table.household_id) == household_id))


async def forget_idempotent_responses(
    session: AsyncSession, *, infra: InfraTables, household_id: uuid.UUID
) -> None:
    """Stored responses that name the household may hold its data (R10: erasure deletes them)."""
    table = infra.idempotency
    await session.execute(delete(table).where(table.c.response_body.contains(str(household_id))))


async def forget_published_outbox(
    session: AsyncSession, *, infra: InfraTables, household_id: uuid.UUID
) -> None:
    table = infra.outbox
    await session.execute(
        delete(table).where(
            table.c.aggregate_id == str(household_id), table.c.published_at.is_not(None)
        )
    )


async def unconfirmed_erasures(
    session: AsyncSession, *, requested_before: datetime
) -> list[ErasureRequest]:
    query = select(ErasureRequest).where(
        col(ErasureRequest.completed_at).is_(None),
        col(ErasureRequest.requested_at) < requested_before,
    )
    return list((await session.execute(query)).scalars())


async def get_erasure(session: AsyncSession, *, erasure_id: uuid.UUID) -> ErasureRequest | None:
    return await session.get(ErasureRequest, erasure_id)


async def latest_erasure(
    session: AsyncSession, *, household_id: uuid.UUID
) -> ErasureRequest | None:
    query = (
        select(ErasureRequest)
        .where(col(ErasureRequest.household_id) == household_id)
        .order_by(col(ErasureRequest.requested_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def confirmations_of(
    session: AsyncSession, *, erasure_id: uuid.UUID
) -> list[ErasureConfirmation]:
    query = select(ErasureConfirmation).where(col(ErasureConfirmation.erasure_id) == erasure_id)
    return list((await session.execute(query)).scalars())


async def add_erasure_confirmation(session: AsyncSession, *, row: ErasureConfirmation) -> None:
    if await session.get(ErasureConfirmation, (row.erasure_id, row.service)) is None:
        session.add(row)
        await session.flush()


async def closed_before(session: AsyncSession, *, cutoff: datetime) -> list[Household]:
    """Closed, unheld households whose closure is older than `cutoff` (the retention job)."""
    query = select(Household).where(
        col(Household.state) == "withdrawn",
        col(Household.closed_at) < cutoff,
        col(Household.legal_hold).is_(False),
    )
    return list((await session.execute(query)).scalars())


async def isee_lapsed(session: AsyncSession, *, valid_from: date) -> list[Household]:
    """Open households with an eligible programme whose ISEE was issued before `valid_from`."""
    eligible = select(ProgrammeStatusRow.household_id).where(
        col(ProgrammeStatusRow.status) == "eligible"
    )
    query = select(Household).where(
        col(Household.state) == "submitted",
        col(Household.isee_issued_on) < valid_from,
        col(Household.id).in_(eligible),
    )
    return list((await session.execute(query)).scalars())
