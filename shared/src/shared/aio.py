"""Small asyncio helpers shared by the background loops."""

from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger(__name__)


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait for it, whatever it ended with (a crash is logged, not raised)."""
    if task is None:
        return
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled() and task.exception() is not None:
        logger.warning(
            "background task had died", extra={"error_type": type(task.exception()).__name__}
        )
