"""Audit anchors (RELIABILITY §3.7): the chain's head published to the AUDIT stream, read back to verify.

The head `(seq, hash)` leaves the database every `audit_anchor_interval_s` and at shutdown, on
`audit.registry.head`, a stream with `deny_delete` and `deny_purge`: a rewrite of the whole chain,
or a cut tail, then no longer matches what was published.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from registry import repository
from shared.db import Database
from shared.messaging.nats_config import inbox_prefix

SUBJECT = "audit.registry.head"
STREAM = "AUDIT"

Anchor = tuple[int, str]


class AnchorPublisher:
    """Publishes the head when it moved since the last publication (the broker de-duplicates too)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.last: Anchor | None = None

    async def publish(self, js: JetStreamContext | None, now: datetime) -> Anchor | None:
        if js is None:
            return None  # no broker yet: the next tick, or the shutdown, publishes
        async with self.db.uow() as uow:
            head = await repository.audit_head(uow.session)
            anchor = None if head is None else (head.seq, head.hash)
        if anchor is None or anchor == self.last:
            return None
        seq, digest = anchor
        body = {"service": "registry", "seq": seq, "hash": digest, "at": now.isoformat()}
        await js.publish(
            SUBJECT,
            json.dumps(body, separators=(",", ":")).encode(),
            stream=STREAM,
            headers={"Nats-Msg-Id": f"audit-registry-{seq}-{digest[:16]}"},
        )
        self.last = anchor
        return anchor


async def read_anchors(
    url: str, *, user: str | None, password: str | None, timeout_s: float = 5.0
) -> list[Anchor]:
    """Every registry anchor in the AUDIT stream, oldest first (read as a user allowed to, e.g. ops)."""
    options: dict[str, object] = {"servers": [url], "connect_timeout": timeout_s}
    if user:
        options.update(user=user, password=password or "", inbox_prefix=inbox_prefix(user).encode())
    nc = await nats.connect(**options)  # type: ignore[arg-type]
    try:
        js = nc.jetstream(timeout=timeout_s)
        anchors: list[Anchor] = []
        seq = 1
        while True:
            try:
                # STREAM.MSG.GET by subject: the next anchor at or after `seq` (no consumer, no acks).
                msg = await js.get_msg(STREAM, seq=seq, subject=SUBJECT, next=True)
            except NotFoundError:
                break
            body = json.loads(msg.data or b"{}")
            anchors.append((int(body["seq"]), str(body["hash"])))
            seq = int(msg.seq or seq) + 1
        return anchors
    finally:
        await nc.close()


def latest_first(anchors: Sequence[Anchor]) -> list[Anchor]:
    return sorted(set(anchors), key=lambda a: a[0], reverse=True)
