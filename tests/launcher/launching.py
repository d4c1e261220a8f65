"""Helpers of the launcher tests: free ports for a whole stack, reading a child's output."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from agency.processes import port_in_use
from shared.testing.nats import free_port

AGENCY = Path(sys.executable).with_name("agency")


def stack_ports() -> tuple[int, int, int]:
    """A NATS port, a monitor port and the first of five consecutive free ports (services, SMTP)."""
    while True:
        base = free_port()
        if base + 5 < 65535 and not any(port_in_use(base + i) for i in range(5)):
            return free_port(), free_port(), base


def up_argv(var: Path, *extra: str) -> list[str]:
    nats_port, monitor_port, base = stack_ports()
    return [
        str(AGENCY),
        "--var",
        str(var),
        "up",
        "--nats-port",
        str(nats_port),
        "--nats-http-port",
        str(monitor_port),
        "--base-port",
        str(base),
        *extra,
    ]


def wait_for_line(proc: subprocess.Popen[str], text: str, timeout: float) -> list[str]:
    """The lines printed until one containing `text`; AssertionError with them after `timeout`."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            seen.append(line)
            if text in line:
                return seen
        elif proc.poll() is not None:
            break
        else:
            time.sleep(0.1)
    raise AssertionError(f"{text!r} not printed; got {''.join(seen)}")
