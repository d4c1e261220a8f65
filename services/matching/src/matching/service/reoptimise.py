"""Re-optimisation: units freed by a refusal or an expiry, matched again among the waiting households."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from matching.errors import RoundRunning
from matching.service import rounds
from shared.db import UnitOfWork
from shared.policy import Policy

logger = logging.getLogger(__name__)


async def free_units(
    uow: UnitOfWork, *, programme: str, unit_ids: set[uuid.UUID], policy: Policy, now: datetime
) -> None:
    """A re-optimisation round over the freed units among the households still waiting (accepted offers stay fixed)."""
    if not policy.value("matching.reoptimise_on_refusal"):
        return
    try:
        await rounds.create_round(
            uow,
            policy=policy,
            programme=programme,
            comuni=[],
            created_by="system",
            now=now,
            kind="reoptimisation",
            only_units=unit_ids,
        )
    except RoundRunning:
        # The running re-optimisation or the next round picks these units up.
        logger.info("reoptimisation deferred", extra={"error_code": "round-running"})
