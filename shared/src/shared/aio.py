"""Small asyncio helpers shared by the background loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

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


class Drain:
    """Lets a background loop finish the work in hand when it is stopped.

    The loop wraps each unit of work in `with drain.busy():` and checks `drain.stopping` between
    units; `stop` waits for the unit in hand (up to `within` seconds), then cancels. A task
    cancelled in the middle of a database statement leaves its connection to be torn down
    mid-statement, which with aiosqlite can leave a close that never finishes.
    """

    def __init__(self) -> None:
        self.stopping = False
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        self._idle.clear()
        try:
            yield
        finally:
            self._idle.set()

    async def stop(self, task: asyncio.Task[None] | None, *, within: float) -> None:
        self.stopping = True
        if task is not None and not task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout=within)
        await cancel_and_wait(task)
