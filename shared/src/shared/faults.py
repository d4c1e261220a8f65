"""Crash points for fault tests: inert unless faults are enabled and a crash point is armed."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field


class InjectedFailure(RuntimeError):
    """An ordinary error raised at an armed fail point, as a handler bug or outage would."""


class SimulatedCrash(BaseException):
    """Raised at an armed crash point in in-process tests; BaseException so no handler swallows it."""


@dataclass
class _Arming:
    name: str | None = None
    nth: int = 1
    mode: str = "raise"  # "raise" in process, "kill" in a real service process
    hits: dict[str, int] = field(default_factory=dict)
    failing: dict[str, set[str]] = field(default_factory=dict)
    failing_first: dict[str, dict[str, int]] = field(default_factory=dict)


_state = _Arming()


def fail_always(name: str, *keys: str) -> None:
    """Make fail point `name` raise for these keys on every call (a handler that always fails)."""
    _state.failing.setdefault(name, set()).update(keys)


def fail_first(name: str, key: str, times: int) -> None:
    """Make fail point `name` raise for `key` on its first `times` calls (a transient failure)."""
    _state.failing_first.setdefault(name, {})[key] = times


def failpoint(name: str, *, key: str) -> None:
    if key in _state.failing.get(name, ()):
        raise InjectedFailure(name)
    remaining = _state.failing_first.get(name, {})
    if remaining.get(key, 0) > 0:
        remaining[key] -= 1
        raise InjectedFailure(name)


def arm(name: str, *, nth: int = 1, mode: str = "raise") -> None:
    _state.name, _state.nth, _state.mode = name, nth, mode
    _state.hits.clear()


def disarm() -> None:
    _state.name = None
    _state.hits.clear()
    _state.failing.clear()
    _state.failing_first.clear()


def arm_from_spec(spec: str | None) -> None:
    """`<name>:<nth>` as in HOUSING_CRASH_AT; used by a service started with faults enabled."""
    if not spec:
        return
    name, _, nth = spec.partition(":")
    arm(name, nth=int(nth or "1"), mode="kill")


def crashpoint(name: str) -> None:
    if _state.name != name:
        return
    _state.hits[name] = _state.hits.get(name, 0) + 1
    if _state.hits[name] != _state.nth:
        return
    if _state.mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise SimulatedCrash(name)
