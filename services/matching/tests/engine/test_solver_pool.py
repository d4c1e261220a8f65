"""Solver workers start ahead of the first round and never outlive the service, even after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import psutil

SERVICE = textwrap.dedent(
    """
    import time
    from concurrent.futures import wait
    from matching.runner import SolverPool, _ready

    pool = SolverPool(processes=1)
    pool.warm()
    wait([pool._executor().submit(_ready)])
    print("ready", flush=True)
    time.sleep(120)
    """
)


def _solver_children(pid: int) -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process(pid).children(recursive=True)
        if "spawn_main" in " ".join(p.cmdline())
    ]


def test_a_killed_service_takes_its_solver_workers_with_it() -> None:
    service = subprocess.Popen(
        [sys.executable, "-c", SERVICE], stdout=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        assert service.stdout is not None
        assert service.stdout.readline().strip() == "ready"
        workers = _solver_children(service.pid)
        assert len(workers) == 1  # warmed: running before any round asks for it
        service.send_signal(signal.SIGKILL)
        service.wait(timeout=10)
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert alive == []
        assert len(gone) == 1
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
