"""What-if: the same engine with policy overrides on the current snapshot; commits nothing."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime

from matching import snapshot as snap
from matching.engine_policy import resolve_policy
from matching.problem import ProblemError, Result
from matching.schemas import SimulationSide, SimulationView
from matching.service import pool
from matching.service.rounds import check_comuni
from shared.db import UnitOfWork
from shared.errors import FieldError, Invalid
from shared.policy import Policy

Solver = Callable[[str], Awaitable[Result]]


def _side(result: Result, comune_of: dict[str, str]) -> SimulationSide:
    return SimulationSide(
        matched=len(result.assignments),
        unmatched=len(result.unmatched),
        matched_by_comune=dict(
            sorted(Counter(comune_of[a.unit_id] for a in result.assignments).items())
        ),
        unmatched_by_reason=dict(sorted(Counter(m.reason for m in result.unmatched).items())),
        stats={k: result.stats.get(k) for k in ("fairness", "quotas", "objective")},
    )


async def simulate(
    uow: UnitOfWork,
    *,
    policy: Policy,
    programme: str,
    comuni: list[str],
    overrides: dict[str, object],
    solver: Solver,
    now: datetime,
) -> SimulationView:
    """Baseline and variant share the snapshot and one fresh seed, so only the policy differs."""
    check_comuni(policy, comuni)
    snapshot = await pool.collect(uow, policy=policy, programme=programme, comuni=comuni, now=now)
    base = snap.decode(snapshot.text)
    variant_policy = {**base["policy"], **overrides}
    try:
        resolve_policy(variant_policy, base=policy)
    except ProblemError as exc:
        raise Invalid([FieldError("/body/policy", "invalid_policy_override", str(exc))]) from None
    seed = secrets.token_hex(16)
    baseline = await solver(snap.canonical({**base, "seed": seed}))
    variant = await solver(snap.canonical({**base, "policy": variant_policy, "seed": seed}))
    comune_of = {u["id"]: u["comune"] for u in base["units"]}
    before = {a.household_id: a.unit_id for a in baseline.assignments}
    after = {a.household_id: a.unit_id for a in variant.assignments}
    return SimulationView(
        households=snapshot.households,
        units=snapshot.units,
        baseline=_side(baseline, comune_of),
        variant=_side(variant, comune_of),
        newly_matched=sorted(uuid.UUID(h) for h in set(after) - set(before)),
        no_longer_matched=sorted(uuid.UUID(h) for h in set(before) - set(after)),
        changed_unit=sorted(
            uuid.UUID(h) for h in set(before) & set(after) if before[h] != after[h]
        ),
    )
