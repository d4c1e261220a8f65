"""The round worker: leases running rounds and solves them in a process pool, never in the event loop."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import Any, ClassVar

from matching import snapshot as snap
from matching.problem import ProblemError, Result, parse_problem
from matching.repository import rounds as round_repo
from matching.service import rounds
from matching.solver import SolverConfig, solve
from matching.validate import InvalidResult, ensure_valid
from shared.aio import cancel_and_wait
from shared.db import Database
from shared.faults import crashpoint

logger = logging.getLogger(__name__)

STOP_GRACE_S = 2.0  # a stopping worker finishes its database call; a long solve is abandoned


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent_pid: int) -> None:
    """In a worker process: exit when the service dies, even by SIGKILL (no orphaned solvers)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the service died before the signal was armed
        os._exit(1)


def _ready() -> bool:
    """A no-op that makes a worker start and import numpy and OR-Tools ahead of the first round."""
    return True


def solve_text(problem_text: str) -> str:
    """In a worker process: parse, solve with one worker (reproducible), validate, return the result JSON."""
    problem = parse_problem(snap.decode(problem_text))
    result = solve(problem, config=SolverConfig(workers=1))
    ensure_valid(problem, result)
    return result.model_dump_json()


class SolverPool:
    """Worker processes (`spawn`: no lock or thread of the server is inherited), shared by every app
    of this process and started once: a new worker pays numpy's and OR-Tools' imports."""

    _shared: ClassVar[dict[int, ProcessPoolExecutor]] = {}

    def __init__(self, *, processes: int) -> None:
        self.processes = processes

    def _executor(self) -> ProcessPoolExecutor:
        pool = self._shared.get(self.processes)
        if pool is None:
            pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with,
                initargs=(os.getpid(),),
            )
            self._shared[self.processes] = pool
            atexit.register(pool.shutdown, wait=False, cancel_futures=True)
        return pool

    def warm(self) -> None:
        """Start the workers now, so the first round does not pay their start-up (seconds)."""
        with contextlib.suppress(Exception):
            for _ in range(self.processes):
                self._executor().submit(_ready)

    async def solve(self, problem_text: str) -> Result:
        loop = asyncio.get_running_loop()
        try:
            text = await loop.run_in_executor(self._executor(), solve_text, problem_text)
        except BrokenProcessPool:
            # A worker died (OOM, kill): start a fresh pool; the round's lease lets it retry.
            self._shared.pop(self.processes, None)
            raise
        return Result.model_validate_json(text)


class RoundRunner:
    """Polls for running rounds nobody holds (new, or left by a killed worker) and completes them once."""

    def __init__(self, *, db: Database, pool: SolverPool, lease_s: float, poll_s: float) -> None:
        self.db = db
        self.pool = pool
        self.lease = timedelta(seconds=lease_s)
        self.poll_s = poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.completed = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self.pool.warm()
        self.db.on_events_committed.append(self.wake)
        self._task = asyncio.create_task(self._loop(), name="round-runner")

    async def stop(self) -> None:
        """Let the loop leave at a safe point (never cancelled inside a database call), then cancel."""
        if self.wake in self.db.on_events_committed:
            self.db.on_events_committed.remove(self.wake)
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=STOP_GRACE_S)
            await cancel_and_wait(self._task)  # also collects a crashed loop's exception

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.run_due()
            except Exception as exc:
                logger.exception("round worker failed", extra={"error_type": type(exc).__name__})

    async def run_due(self) -> int:
        async with self.db.uow() as uow:
            due = await round_repo.due_round_ids(uow.session, now=self.db.clock())
        done = 0
        for round_id in due:
            if self._stopping:
                break
            done += int(await self.run_one(round_id))
        return done

    async def _renew(self, round_id: uuid.UUID, done: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=self.lease.total_seconds() / 3)
                return
            async with self.db.uow() as uow:
                await round_repo.renew_lease(
                    uow.session, round_id=round_id, until=self.db.clock() + self.lease
                )
                await uow.commit()

    async def run_one(self, round_id: uuid.UUID) -> bool:
        """Lease, solve from the stored snapshot and seed, commit the result: True if this call did."""
        now = self.db.clock()
        async with self.db.uow() as uow:
            leased = await round_repo.lease_round(
                uow.session, round_id=round_id, now=now, until=now + self.lease
            )
            await uow.commit()
        if not leased:
            return False
        async with self.db.uow() as uow:
            round_ = await round_repo.get_round(uow.session, round_id=round_id)
            if round_ is None:
                return False
            problem_text = snap.problem_text(round_.snapshot, seed=round_.seed)
        solved = asyncio.Event()
        renewing = asyncio.create_task(self._renew(round_id, solved))
        try:
            try:
                result = await self.pool.solve(problem_text)
            except (ProblemError, InvalidResult) as exc:
                await self._fail(round_id, type(exc).__name__)
                return False
            crashpoint("round.mid_solve")
            async with self.db.uow() as uow:
                round_ = await round_repo.get_round(uow.session, round_id=round_id)
                done = round_ is not None and await rounds.complete_round(
                    uow, round_=round_, result=result, now=self.db.clock()
                )
                await uow.commit()
            crashpoint("round.after_commit")
        finally:
            solved.set()
            await asyncio.wait([renewing])
        if done:
            self.completed += 1
            logger.info("round completed", extra={"event_id": str(round_id)})
        return done

    async def _fail(self, round_id: uuid.UUID, error_code: str) -> None:
        logger.error("round failed", extra={"error_code": error_code})
        async with self.db.uow() as uow:
            await rounds.fail_round(
                uow, round_id=round_id, error_code=error_code, now=self.db.clock()
            )
            await uow.commit()


def runner_of(extras: dict[str, Any]) -> RoundRunner:
    runner: RoundRunner = extras["rounds"]
    return runner
