"""The command line every service's __main__ shares: serve, migrate, outbox replay."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from fastapi import FastAPI
from sqlalchemy import MetaData, update

from shared.db import Database, InfraTables
from shared.migrations import upgrade
from shared.runtime.serve import run
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


async def _migrate(db: Database, package: str) -> None:
    await upgrade(db.engine, package)
    await db.dispose()


async def _replay(db: Database, since: datetime) -> int:
    outbox = db.infra.outbox
    async with db.uow() as uow:
        result = await uow.session.execute(
            update(outbox)
            .where(outbox.c.created_at >= since, outbox.c.published_at.is_not(None))
            .values(published_at=None)
        )
        await uow.commit()
    await db.dispose()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def service_main(
    argv: Sequence[str],
    *,
    settings: S,
    create_app: Callable[[S], FastAPI],
    package: str,
    metadata: MetaData,
    infra: InfraTables,
) -> int:
    """`python -m <service>` serves; `migrate` applies migrations; `outbox replay --since T` re-sends."""
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve HTTP, run the relay, consumers and jobs (default)")
    sub.add_parser("migrate", help="apply the database migrations and exit")
    outbox = sub.add_parser("outbox", help="outbox operations")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True)
    replay = outbox_sub.add_parser("replay", help="publish again every event created since a time")
    replay.add_argument("--since", required=True, type=datetime.fromisoformat)
    args = parser.parse_args(list(argv))
    if args.command in (None, "serve"):
        run(create_app, settings)
        return 0
    db = Database.connect(settings.database_url, metadata=metadata, infra=infra)
    if args.command == "migrate":
        asyncio.run(_migrate(db, package))
        return 0
    count = asyncio.run(_replay(db, args.since))
    import sys

    sys.stdout.write(f"{count} events marked for re-publication\n")
    return 0
