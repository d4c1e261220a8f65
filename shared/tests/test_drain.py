"""Stopping a background loop lets the work in hand finish, and never waits on an idle loop."""

from __future__ import annotations

import asyncio
import time

from shared.aio import Drain


def worker(drain: Drain, done: list[int], *, work_s: float, pause_s: float) -> asyncio.Task[None]:
    async def loop() -> None:
        n = 0
        while not drain.stopping:
            with drain.busy():
                await asyncio.sleep(work_s)  # stands for a transaction
                n += 1
                done.append(n)
            await asyncio.sleep(pause_s)

    return asyncio.create_task(loop())


async def test_a_stop_during_work_lets_it_finish() -> None:
    drain, done = Drain(), list[int]()
    task = worker(drain, done, work_s=0.3, pause_s=10)
    await asyncio.sleep(0.1)  # the first unit is in hand
    await drain.stop(task, within=5)
    assert done == [1], "the unit in hand completed and no new one started"
    assert task.done()


async def test_a_stop_while_idle_does_not_wait() -> None:
    drain, done = Drain(), list[int]()
    task = worker(drain, done, work_s=0.01, pause_s=30)
    await asyncio.sleep(0.1)  # between units, in the pause
    started = time.monotonic()
    await drain.stop(task, within=5)
    assert time.monotonic() - started < 2
    assert done == [1]
    assert task.cancelled()


async def test_work_longer_than_the_bound_is_cancelled() -> None:
    drain, done = Drain(), list[int]()
    task = worker(drain, done, work_s=30, pause_s=0)
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await drain.stop(task, within=0.3)
    assert time.monotonic() - started < 3
    assert done == []
    assert task.cancelled()
