"""The notifications service's HTTP routes: thin, each parses, calls one service function and returns."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from notifications import service
from notifications.schemas import MessagePage, MessageView
from shared.auth import Authorize, Principal
from shared.runtime.deps import UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["messages"])

Caseworker = Annotated[Principal, Depends(Authorize(roles={"caseworker"}))]


@router.get(
    "/messages",
    response_model=MessagePage,
    summary="Messages: status, channel, attempts and template (never bodies)",
    responses=problem_responses(401, 403, 422),
)
async def list_messages(
    uow: UoW,
    _principal: Caseworker,
    recipient_key: uuid.UUID | None = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MessagePage:
    return await service.list_messages(uow, recipient_key=recipient_key, state=state, limit=limit)


@router.get(
    "/messages/{message_id}",
    response_model=MessageView,
    summary="One message's delivery record",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_message(message_id: uuid.UUID, uow: UoW, _principal: Caseworker) -> MessageView:
    return await service.get_message(uow, message_id=message_id)
