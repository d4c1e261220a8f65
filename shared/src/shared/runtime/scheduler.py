"""Periodic jobs (expiry, reminders, retention) that run once per service under a lock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from shared.aio import cancel_and_wait
from shared.db import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval_s: float
    run: Callable[[datetime], Awaitable[None]]
    # Also run once when the service stops (e.g. publishing the audit head at shutdown).
    at_stop: bool = False


class Scheduler:
    """Runs each job every `interval_s`; with PostgreSQL replicas an advisory lock keeps it to one."""

    def __init__(self, *, service: str, db: Database, jobs: list[Job]) -> None:
        self.service = service
        self.db = db
        self.jobs = jobs
        self.runs: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def run_once(self, job: Job) -> bool:
        """Run a job now if this replica gets its lock; True if it ran."""
        if self.db.sqlite:
            await job.run(self.db.clock())
            self.runs[job.name] = self.runs.get(job.name, 0) + 1
            return True
        key = f"job:{self.service}:{job.name}"
        async with self.db.engine.connect() as conn:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:k))"), {"k": key})
            ).scalar()
            await conn.commit()
            if not got:
                return False
            try:
                await job.run(self.db.clock())
                self.runs[job.name] = self.runs.get(job.name, 0) + 1
                return True
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": key})
                await conn.commit()

    async def _loop(self, job: Job) -> None:
        while True:
            await asyncio.sleep(job.interval_s)
            try:
                await self.run_once(job)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.error(
                    "job failed", extra={"job": job.name, "error_type": type(exc).__name__}
                )

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(job), name=f"job-{job.name}") for job in self.jobs
        ]

    async def stop(self) -> None:
        started = bool(self._tasks)
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []
        if not started:
            return
        for job in self.jobs:
            if job.at_stop:
                try:
                    await asyncio.wait_for(self.run_once(job), timeout=5)
                except Exception as exc:
                    logger.error(
                        "job failed at stop",
                        extra={"job": job.name, "error_type": type(exc).__name__},
                    )
