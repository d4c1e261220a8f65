"""Small asyncio helpers shared by the background loops."""

from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger(__name__)


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait for it, whatever it ended with (a crash is logged, not raised)."""
    if task is None:
        return
    # Python 3.11's asyncio.wait_for can swallow a cancellation that races with its inner future
    # completing (gh-86296), and a loop around it then runs on: cancel again until it is done.
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=1.0)
    if not task.cancelled() and task.exception() is not None:
        logger.warning(
            "background task had died", extra={"error_type": type(task.exception()).__name__}
        )
