"""A caseworker sees a message again: rendered from its stored kind and params, never from a body."""

from __future__ import annotations

import uuid
from typing import cast

from notifications import repository
from notifications.catalog import CATALOG, LANGUAGES, MessageKind
from notifications.errors import MessageNotFound, NotRenderable
from notifications.rendering import RenderConfig, RenderError, render
from notifications.schemas import Rendering
from shared.db import UnitOfWork
from shared.events.base import Language
from shared.events.notifications import Channel

# The signed link is personal and single-purpose: a caseworker sees where it goes, not the token.
LINK_PLACEHOLDER = "https://link.invalid/personal-link-not-shown"


async def rerender(
    uow: UnitOfWork,
    *,
    message_id: uuid.UUID,
    language: Language | None,
    config: RenderConfig,
) -> Rendering:
    row = await repository.get_message(uow.session, message_id=message_id)
    if row is None:
        raise MessageNotFound()
    kind = MessageKind(row.template)
    lang = language or (cast(Language, row.language) if row.language in LANGUAGES else "it")
    try:
        rendered = render(
            kind,
            language=lang,
            params=row.params,
            channel=cast(Channel, row.channel),
            link=LINK_PLACEHOLDER if CATALOG[kind].needs_link else None,
            config=config,
        )
    except RenderError:
        raise NotRenderable() from None
    return Rendering(
        message_id=row.id,
        channel=rendered.channel,
        language=rendered.language,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )
