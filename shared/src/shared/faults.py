"""Crash points for fault tests: inert unless faults are enabled and a crash point is armed."""

from __future__ import annotations

import os
import random
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
    probability: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    unacked_deliveries: int = 0
    nak_share: float = 0.0
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
    _state.probability = 0.0
    _state.hits.clear()


def disarm() -> None:
    _state.name = None
    _state.probability = 0.0
    _state.unacked_deliveries = 0
    _state.nak_share = 0.0
    _state.hits.clear()
    _state.failing.clear()
    _state.failing_first.clear()


def arm_from_spec(spec: str | None, *, seed: int = 0) -> None:
    """`<name>:<nth>` or `<name>:p=<prob>` as in HOUSING_CRASH_AT, for a service started with faults on."""
    if not spec:
        return
    name, _, arg = spec.partition(":")
    if arg.startswith("p="):
        _state.name, _state.mode = name, "kill"
        _state.probability = float(arg[2:])
        _state.rng = random.Random(f"{seed}:{os.getpid()}")
        return
    arm(name, nth=int(arg or "1"), mode="kill")


def configure_consumer_faults(
    *, unacked_deliveries: int, nak_share: float, seed: int, failing_events: str | None = None
) -> None:
    """Chaos knobs for consumers: lost acks, naks on a share of first deliveries, always-failing events."""
    _state.unacked_deliveries = unacked_deliveries
    _state.nak_share = nak_share
    _state.rng = random.Random(f"{seed}:{os.getpid()}")
    if failing_events:
        fail_always(
            "consumer.handler", *(e.strip() for e in failing_events.split(",") if e.strip())
        )


def leave_unacked() -> bool:
    """True for the first `unacked_deliveries` deliveries this process sees (lost acks)."""
    if _state.unacked_deliveries <= 0:
        return False
    _state.unacked_deliveries -= 1
    return True


def nak_first_delivery(num_delivered: int) -> bool:
    return num_delivered == 1 and _state.nak_share > 0 and _state.rng.random() < _state.nak_share


def crashpoint(name: str) -> None:
    if _state.name != name:
        return
    _state.hits[name] = _state.hits.get(name, 0) + 1
    if _state.probability > 0:
        if _state.rng.random() >= _state.probability:
            return
    elif _state.hits[name] != _state.nth:
        return
    if _state.mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise SimulatedCrash(name)
