"""`python -m registry audit verify`: the chain in the database checked against the published anchors."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from registry import audit
from registry.audit_anchor import read_anchors
from registry.models import infra, metadata
from registry.settings import Settings
from shared.db import Database


async def _verify(settings: Settings, *, user: str | None, password: str | None) -> int:
    anchors = await read_anchors(settings.nats_url, user=user, password=password)
    db = Database.connect(settings.database_url, metadata=metadata, infra=infra)
    try:
        async with db.uow() as uow:
            result = await audit.verification(uow, anchors=anchors)
    finally:
        await db.dispose()
    out = sys.stdout
    if result.ok:
        out.write(
            f"audit chain OK: {result.records} records, head seq {result.head_seq}, "
            f"checked against {len(anchors)} published anchors\n"
        )
        if not anchors:
            out.write(
                "warning: no anchor published yet; a rewrite of the whole chain is not detectable\n"
            )
        return 0
    out.write(
        f"audit chain BROKEN: first bad seq {result.first_bad_seq} "
        f"({result.records} records, {len(anchors)} anchors)\n"
    )
    return 1


def main(argv: Sequence[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry audit")
    sub = parser.add_subparsers(dest="action", required=True)
    verify = sub.add_parser(
        "verify", help="check the audit chain against the AUDIT stream's anchors"
    )
    verify.add_argument(
        "--nats-user",
        default=os.environ.get("AUDIT_NATS_USER", "ops"),
        help="a NATS user allowed to read the AUDIT stream (default: ops)",
    )
    verify.add_argument(
        "--nats-password-env",
        default="AUDIT_NATS_PASSWORD",
        help="the environment variable holding that user's password",
    )
    args = parser.parse_args(list(argv))
    password = os.environ.get(args.nats_password_env)
    return asyncio.run(_verify(settings, user=args.nats_user or None, password=password))
