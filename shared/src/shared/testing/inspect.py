"""Reading what a test must check: rows in a service's database, messages in a stream."""

from __future__ import annotations

import json
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import func, select

from shared.testing.services import RunningService


async def count_rows(service: RunningService, table: str) -> int:
    metadata = service.runtime.db.metadata
    async with service.runtime.db.sessionmaker() as session:
        value = (
            await session.execute(select(func.count()).select_from(metadata.tables[table]))
        ).scalar()
    return int(value or 0)


async def rows(service: RunningService, table: str) -> list[dict[str, Any]]:
    metadata = service.runtime.db.metadata
    async with service.runtime.db.sessionmaker() as session:
        result = await session.execute(select(metadata.tables[table]))
        return [dict(r) for r in result.mappings()]


async def stream_messages(
    js: JetStreamContext, stream: str
) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """Every message of a stream as (subject, payload, headers), read as ops."""
    info = await js.stream_info(stream)
    out = []
    first, last = info.state.first_seq, info.state.last_seq
    for seq in range(first, last + 1) if info.state.messages else ():
        msg = await js.get_msg(stream, seq)
        out.append((msg.subject or "", json.loads(msg.data or b"{}"), dict(msg.headers or {})))
    return out
