"""Rounds: create with a committed seed and a stored snapshot, complete once, read, explain."""

from __future__ import annotations

import json
import secrets
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from matching import snapshot as snap
from matching.errors import RoundNotFound, RoundRunning, SeedNotRevealed
from matching.models import Round, RoundOutcome
from matching.pagination import next_cursor
from matching.problem import Result
from matching.repository import rounds as round_repo
from matching.schemas import ExplanationView, RoundAccepted, RoundPage, RoundView
from matching.service import pool
from matching.times import aware, maybe_aware
from shared.db import UnitOfWork
from shared.errors import FieldError, Invalid
from shared.events import matching
from shared.policy import Policy

REVEALED = ("completed", "approved")


def check_comuni(policy: Policy, comuni: list[str]) -> None:
    known = policy.comune_names()
    bad = [i for i, c in enumerate(comuni) if c not in known]
    if bad:
        raise Invalid(
            [
                FieldError(f"/body/comuni/{i}", "unknown_comune", "Not a comune of the Ambito.")
                for i in bad
            ]
        )


async def create_round(
    uow: UnitOfWork,
    *,
    policy: Policy,
    programme: str,
    comuni: list[str],
    created_by: str,
    now: datetime,
    kind: str = "round",
    only_units: set[uuid.UUID] | None = None,
) -> RoundAccepted:
    """Snapshot the read models and commit the seed's hash; the solve happens in the round worker."""
    check_comuni(policy, comuni)
    scope = pool.scope_key(programme=programme, comuni=comuni, kind=kind)
    if await round_repo.running_for_scope(uow.session, scope_key=scope) is not None:
        raise RoundRunning()
    snapshot = await pool.collect(
        uow, policy=policy, programme=programme, comuni=comuni, now=now, only_units=only_units
    )
    seed = secrets.token_hex(16)
    round_ = Round(
        id=uuid.uuid4(),
        kind=kind,
        programme=programme,
        comuni=json.dumps(sorted(comuni)),
        scope_key=scope,
        status="running",
        policy_version=policy.version,
        seed=seed,
        seed_hash=snap.sha256(seed),
        snapshot=snapshot.text,
        snapshot_hash=snapshot.hash,
        created_by=created_by,
        created_at=now,
    )
    try:
        async with uow.session.begin_nested():
            await round_repo.add_round(uow.session, round_=round_)
    except IntegrityError:
        raise RoundRunning() from None
    return RoundAccepted(
        id=round_.id,
        status=round_.status,
        seed_hash=round_.seed_hash,
        snapshot_hash=round_.snapshot_hash,
        households=snapshot.households,
        units=snapshot.units,
    )


def _matched_by_comune(snapshot_text: str, result: Result) -> dict[str, int]:
    comune = {u["id"]: u["comune"] for u in snap.decode(snapshot_text)["units"]}
    return dict(sorted(Counter(comune[a.unit_id] for a in result.assignments).items()))


async def complete_round(uow: UnitOfWork, *, round_: Round, result: Result, now: datetime) -> bool:
    """Store proposals, explanations and statistics and reveal the seed, once (status guard)."""
    stats = {**result.stats, "matched_by_comune": _matched_by_comune(round_.snapshot, result)}
    done = await round_repo.finish_round(
        uow.session,
        round_id=round_.id,
        values={
            "status": "completed",
            "result_status": result.status,
            "stats": snap.canonical(stats),
            "proposals": len(result.assignments),
            "unmatched": len(result.unmatched),
            "completed_at": now,
            "lease_until": None,
        },
    )
    if not done:
        return False
    outcomes = [
        RoundOutcome(
            round_id=round_.id,
            household_id=uuid.UUID(a.household_id),
            unit_id=uuid.UUID(a.unit_id),
            reason="MATCHED",
            explanation=snap.canonical(a.model_dump(mode="json")),
        )
        for a in result.assignments
    ] + [
        RoundOutcome(
            round_id=round_.id,
            household_id=uuid.UUID(m.household_id),
            unit_id=None,
            reason=m.reason,
            explanation=snap.canonical(m.model_dump(mode="json")),
        )
        for m in result.unmatched
    ]
    await round_repo.add_outcomes(uow.session, outcomes=outcomes)
    uow.emit(
        matching.RoundCompleted(
            round_id=round_.id,
            programme=round_.programme,  # type: ignore[arg-type]
            seed_hash=round_.seed_hash,
            seed=round_.seed,
            snapshot_hash=round_.snapshot_hash,
            kind=round_.kind,
            proposals=len(result.assignments),
            unmatched=len(result.unmatched),
            occurred_at=now,
        ),
        aggregate_id=str(round_.id),
    )
    return True


async def fail_round(
    uow: UnitOfWork, *, round_id: uuid.UUID, error_code: str, now: datetime
) -> None:
    await round_repo.finish_round(
        uow.session,
        round_id=round_id,
        values={
            "status": "failed",
            "result_status": error_code,
            "completed_at": now,
            "lease_until": None,
        },
    )


def round_view(round_: Round) -> RoundView:
    return RoundView(
        id=round_.id,
        kind=round_.kind,
        programme=round_.programme,
        comuni=json.loads(round_.comuni),
        status=round_.status,
        policy_version=round_.policy_version,
        seed_hash=round_.seed_hash,
        seed=round_.seed if round_.status in REVEALED else None,
        snapshot_hash=round_.snapshot_hash,
        snapshot_redacted=round_.snapshot_redacted,
        result_status=round_.result_status,
        proposals=round_.proposals,
        unmatched=round_.unmatched,
        stats=json.loads(round_.stats) if round_.stats else None,
        created_at=aware(round_.created_at),
        completed_at=maybe_aware(round_.completed_at),
        approved_at=maybe_aware(round_.approved_at),
    )


async def get_round(uow: UnitOfWork, *, round_id: uuid.UUID) -> RoundView:
    round_ = await round_repo.get_round(uow.session, round_id=round_id)
    if round_ is None:
        raise RoundNotFound()
    return round_view(round_)


async def list_rounds(
    uow: UnitOfWork, *, after: uuid.UUID | None, limit: int, status: str | None
) -> RoundPage:
    rows = await round_repo.list_rounds(uow.session, after=after, limit=limit, status=status)
    return RoundPage(
        items=[round_view(r) for r in rows],
        next_cursor=next_cursor([r.id for r in rows], limit=limit),
    )


async def snapshot_problem(uow: UnitOfWork, *, round_id: uuid.UUID) -> dict[str, Any]:
    """The round's input in `matching-solve`'s format, with the seed once it is revealed."""
    round_ = await round_repo.get_round(uow.session, round_id=round_id)
    if round_ is None:
        raise RoundNotFound()
    if round_.status not in REVEALED:
        raise SeedNotRevealed()
    problem: dict[str, Any] = json.loads(snap.problem_text(round_.snapshot, seed=round_.seed))
    return problem


def explanation_view(outcome: RoundOutcome) -> ExplanationView:
    return ExplanationView(
        round_id=outcome.round_id,
        household_id=outcome.household_id,
        outcome=outcome.reason,
        unit_id=outcome.unit_id,
        detail=json.loads(outcome.explanation),
    )


async def explanation(
    uow: UnitOfWork, *, round_id: uuid.UUID, household_id: uuid.UUID
) -> ExplanationView:
    outcome = await round_repo.get_outcome(
        uow.session, round_id=round_id, household_id=household_id
    )
    if outcome is None:
        raise RoundNotFound()
    return explanation_view(outcome)
