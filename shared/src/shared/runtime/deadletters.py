"""Internal endpoints for operators: list dead letters, replay one after a fix (`agency deadletters`)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update

from shared.auth import Authorize, Principal
from shared.errors import Conflict, FieldError, Invalid, NotFound
from shared.messaging.consumer import PoisonMessage
from shared.runtime.deps import Runtime
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/internal/v1/deadletters", tags=["operations"])

Operator = Annotated[Principal, Depends(Authorize(roles={"supervisor"}, services={"svc-ops"}))]
# Bounded to the id column (INTEGER): a larger number is invalid input, not a database error (T16).
DeadLetterId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class DeadLetterView(BaseModel):
    id: int
    consumer: str
    stream: str
    stream_seq: int
    subject: str
    event_id: str | None
    num_delivered: int
    error_type: str
    error_code: str
    at: datetime
    replayed_at: datetime | None


class ReplayRequest(BaseModel):
    """The original message, read from the stream by the operator tool (the service keeps no payloads)."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(max_length=200)
    data_b64: str = Field(max_length=1_000_000)


class ReplayResult(BaseModel):
    id: int
    outcome: str


@router.get("", response_model=list[DeadLetterView], responses=problem_responses(401, 403, 422))
async def list_dead_letters(
    runtime: Runtime, _op: Operator, pending_only: bool = True
) -> list[DeadLetterView]:
    table = runtime.db.infra.dead_letter
    query = select(table).order_by(table.c.id)
    if pending_only:
        query = query.where(table.c.replayed_at.is_(None))
    async with runtime.db.sessionmaker() as session:
        rows = (await session.execute(query)).mappings().all()
    return [DeadLetterView.model_validate(dict(r)) for r in rows]


@router.post(
    "/{dead_letter_id}/replay",
    response_model=ReplayResult,
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
)
async def replay_dead_letter(
    dead_letter_id: DeadLetterId, body: ReplayRequest, runtime: Runtime, _op: Operator
) -> ReplayResult:
    """Run the message through its consumer again (inbox first: an applied event is not applied twice)."""
    table = runtime.db.infra.dead_letter
    async with runtime.db.sessionmaker() as session:
        row = (
            (await session.execute(select(table).where(table.c.id == dead_letter_id)))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound()
    if row["replayed_at"] is not None:
        raise Conflict("already replayed")
    consumer = next((c for c in runtime.consumers if c.durable.name == row["consumer"]), None)
    if consumer is None:
        raise NotFound()
    try:
        event = consumer.parse(body.subject, base64.b64decode(body.data_b64))
    except (PoisonMessage, ValueError) as exc:
        code = exc.code if isinstance(exc, PoisonMessage) else "bad_base64"
        raise Invalid(
            [FieldError("/body/data_b64", code, "The message still cannot be handled")]
        ) from exc
    applied = await consumer.apply(event)
    async with runtime.db.uow() as uow:
        await uow.session.execute(
            update(table).where(table.c.id == dead_letter_id).values(replayed_at=runtime.db.clock())
        )
        await uow.commit()
    return ReplayResult(id=dead_letter_id, outcome="applied" if applied else "already_applied")
