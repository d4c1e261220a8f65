"""Ten days pass for one offer: matching's own expiry sweep, run once with a demo clock.

Matching expires offers with a database sweep (RELIABILITY.md R9, the `offer-expiry` job every
30 s) that closes every open offer past its `respond_by`. A demo cannot wait ten days, so it runs
that same sweep once against matching's database with the clock set just past the deadline: the
offer expires as NO_RESPONSE, its events go through matching's outbox and relay, and the freed
unit gets a re-optimisation round like any other. Nothing in the services changes for the demo.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta
from pathlib import Path

from agency.stack import StackPaths
from matching.models import infra, metadata
from matching.service.offer_lifecycle import expire_due
from shared.db import Database
from shared.policy import load_policy


def sweep_at(paths: StackPaths, *, now: datetime) -> int:
    """Run matching's expiry sweep as of `now`; the number of offers it expired."""
    return asyncio.run(_sweep(paths.database_url("matching"), now=now))


async def _sweep(url: str, *, now: datetime) -> int:
    policy_file = os.environ.get("POLICY_FILE")
    policy = load_policy(Path(policy_file) if policy_file else None)
    db = Database.connect(url, metadata=metadata, infra=infra, clock=lambda: now)
    try:
        async with db.uow() as uow:
            expired = await expire_due(uow, policy=policy, now=now)
            await uow.commit()
        return expired
    finally:
        await db.dispose()


def just_after(deadline: str) -> datetime:
    return datetime.fromisoformat(deadline) + timedelta(seconds=1)
