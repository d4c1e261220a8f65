"""Caseworkers' view of messages: status, channel, attempts, template and params, never bodies."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from notifications import rerender, service
from notifications.deps import Caseworker, Render
from notifications.repository import MessageFilter
from notifications.schemas import MessagePage, MessageView, Rendering
from shared.events.base import Language
from shared.runtime.deps import UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["messages"])
# NUL and control characters never reach a query: PostgreSQL rejects them (RELIABILITY 3.4).
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"

State = Literal["pending", "sending", "sent", "delivered", "failed", "skipped"]
Code = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


@router.get(
    "/messages",
    response_model=MessagePage,
    summary="Messages: status, channel, attempts, template and its params (never bodies)",
    responses=problem_responses(401, 403, 422),
)
async def list_messages(
    uow: UoW,
    _principal: Caseworker,
    recipient_key: uuid.UUID | None = None,
    state: State | None = None,
    channel: Literal["email", "sms"] | None = None,
    template: Code | None = None,
    min_attempts: Annotated[int | None, Query(ge=0, le=1000)] = None,
    comune: Annotated[str | None, Query(max_length=40, pattern=NO_CONTROL)] = None,
    programme: Literal["sap", "sas", "agency"] | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MessagePage:
    params = {k: v for k, v in {"comune": comune, "programme": programme}.items() if v}
    where = MessageFilter(
        recipient_key=recipient_key,
        state=state,
        channel=channel,
        template=template,
        min_attempts=min_attempts,
        params=params or None,
    )
    return await service.list_messages(uow, where=where, limit=limit)


@router.get(
    "/messages/{message_id}",
    response_model=MessageView,
    summary="One message's delivery record",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_message(message_id: uuid.UUID, uow: UoW, _principal: Caseworker) -> MessageView:
    return await service.get_message(uow, message_id=message_id)


@router.get(
    "/messages/{message_id}/rendering",
    response_model=Rendering,
    summary="Render a message again from its template and params, optionally in another language",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def render_message(
    message_id: uuid.UUID,
    uow: UoW,
    _principal: Caseworker,
    config: Render,
    language: Language | None = None,
) -> Rendering:
    return await rerender.rerender(uow, message_id=message_id, language=language, config=config)
