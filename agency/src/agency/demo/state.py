"""var/demo.json: the demo's round and whether its answers are done, so a second run resumes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "demo.json"


@dataclass
class DemoState:
    round_id: str | None = None
    answered: bool = False
    solve_s: float | None = None


def load(var: Path) -> DemoState:
    path = var / FILE
    if not path.exists():
        return DemoState()
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DemoState(**{k: raw.get(k) for k in ("round_id", "answered", "solve_s")})


def save(var: Path, state: DemoState) -> None:
    path = var / FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")
    tmp.replace(path)
