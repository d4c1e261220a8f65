"""`agency seed`: load the synthetic Ambito into a running stack through its public HTTP APIs.

Caseworkers register and verify the households (registry), onboard the landlords (landlords
service, API key shown once and kept in var/demo-landlord-keys.json, mode 0600), each landlord
imports its units with the bulk API, and a caseworker approves every unit. Every write carries
an Idempotency-Key derived from (seed, kind, index), so a re-run after a crash replays instead of
doubling; var/seed.json marks a finished seed and a later run only reports it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import httpx

from agency.seed_client import SeedHttp, StackNotRunning, staff_signer
from agency.seed_steps import KEYS_FILE, SeedRun, write_private
from shared.auth import Signer

__all__ = ["KEYS_FILE", "MARKER", "SeedSummary", "StackNotRunning", "seed_clients", "seed_stack"]

MARKER = "seed.json"
PLAN = "seed-plan.json"  # the day a seed started: a resumed run rebuilds the same payloads
SERVICES = ("registry", "landlords", "matching")
CONCURRENCY = 8  # requests in flight per service
SETTLE_S = 300.0  # how long to wait for matching's read models to catch up


@dataclass(frozen=True)
class SeedSummary:
    """What a seed run loaded; an `already_seeded` run reports the figures of the first run."""

    scale: str
    seed: int
    households_registered: int = 0
    households_eligible: int = 0  # eligible for the agency programme after verification
    landlords: int = 0
    units_imported: int = 0
    units_published: int = 0
    matching_households: int = 0  # eligible ones matching could take when the seed ended
    matching_units: int = 0
    rejected: tuple[str, ...] = field(default_factory=tuple)  # "kind index: reason"
    already_seeded: bool = False
    elapsed_s: float = 0.0


def seed_stack(
    *,
    var: Path,
    urls: dict[str, str],
    scale: str = "demo",
    seed: int = 2026,
    progress: TextIO | None = None,
) -> SeedSummary:
    """Seed the embedded stack whose services answer at `urls`.

    `urls` maps "registry", "landlords" and "matching" to base URLs such as
    "http://127.0.0.1:8001"; staff tokens are minted with var/keys' signing key, as
    `agency token` does. Raises `StackNotRunning` when a service does not answer.
    """
    return asyncio.run(_seed_urls(var=var, urls=urls, scale=scale, seed=seed, progress=progress))


async def _seed_urls(
    *, var: Path, urls: dict[str, str], scale: str, seed: int, progress: TextIO | None
) -> SeedSummary:
    marker = _read_marker(var)
    if marker is not None:
        return _already(marker, progress)
    signer = staff_signer(var)
    timeout = httpx.Timeout(60.0, connect=5.0)
    clients = {s: httpx.AsyncClient(base_url=urls[s], timeout=timeout) for s in SERVICES}
    try:
        return await seed_clients(
            var=var, clients=clients, signer=signer, scale=scale, seed=seed, progress=progress
        )
    finally:
        for client in clients.values():
            await client.aclose()


async def seed_clients(
    *,
    var: Path,
    clients: Mapping[str, httpx.AsyncClient],
    signer: Signer,
    scale: str = "demo",
    seed: int = 2026,
    today: date | None = None,
    progress: TextIO | None = None,
    settle_s: float = SETTLE_S,
) -> SeedSummary:
    """The seed over given clients (real URLs, or in-process apps in tests)."""
    marker = _read_marker(var)
    if marker is not None:
        return _already(marker, progress)
    from agency.synthetic import generate_ambito

    started = time.monotonic()
    http = SeedHttp(clients=clients, signer=signer, concurrency=CONCURRENCY)
    await http.check_up(SERVICES)
    day = today or _plan_day(var, scale=scale, seed=seed)
    ambito = generate_ambito(scale=scale, seed=seed, today=day)
    say = _Say(progress, started)
    say(
        f"seeding scale {scale} (seed {seed}): {len(ambito.households)} households, "
        f"{len(ambito.landlords)} landlords, {len(ambito.units)} units"
    )
    run = SeedRun(http=http, ambito=ambito, var=var)

    async def households() -> tuple[int, int]:
        done = await run.households()
        say(f"households: {done[0]} registered, {done[1]} eligible for the agency programme")
        return done

    async def landlords_and_units() -> tuple[int, int, int]:
        keys = await run.landlords()
        say(f"landlords: {len(keys)} onboarded (keys in {var / KEYS_FILE})")
        imported, published = await run.units(keys)
        say(f"units: {imported} imported, {published} verified and published")
        return len(keys), imported, published

    # The registry and the landlords service are loaded side by side.
    (registered, eligible), (landlords, imported, published) = await asyncio.gather(
        households(), landlords_and_units()
    )
    say("waiting for matching's read models to take them in")
    seen = await http.settle(households=eligible, units=published, within_s=settle_s)
    say(f"matching can take {seen[0]} eligible households and {seen[1]} units")
    summary = SeedSummary(
        scale=scale,
        seed=seed,
        households_registered=registered,
        households_eligible=eligible,
        landlords=landlords,
        units_imported=imported,
        units_published=published,
        matching_households=seen[0],
        matching_units=seen[1],
        rejected=tuple(run.rejected),
        elapsed_s=round(time.monotonic() - started, 1),
    )
    if not run.rejected:
        write_private(var / MARKER, asdict(summary))
    else:
        say(f"{len(run.rejected)} rejected; no marker written, a re-run retries them")
    return summary


@dataclass
class _Say:
    out: TextIO | None
    started: float | None = None

    def __call__(self, line: str) -> None:
        if self.out is None:
            return
        if self.started is not None:
            line = f"[{time.monotonic() - self.started:6.1f} s] {line}"
        self.out.write(line + "\n")
        self.out.flush()


def _already(marker: dict[str, Any], progress: TextIO | None) -> SeedSummary:
    fields = {k: v for k, v in marker.items() if k in SeedSummary.__dataclass_fields__}
    fields["rejected"] = tuple(fields.get("rejected", ()))
    summary = SeedSummary(**fields) if fields else SeedSummary(scale="?", seed=0)
    _Say(progress)(
        f"already seeded (scale {summary.scale}, seed {summary.seed}): nothing to do; "
        f"delete {MARKER} in the state directory to seed again"
    )
    return SeedSummary(**{**asdict(summary), "already_seeded": True})


def _plan_day(var: Path, *, scale: str, seed: int) -> date:
    """The day the first attempt at (scale, seed) started; birth and ISEE dates count from it."""
    path = var / PLAN
    if path.exists():
        plan = json.loads(path.read_text(encoding="utf-8"))
        if plan.get("scale") == scale and plan.get("seed") == seed:
            return date.fromisoformat(plan["today"])
    day = date.today()
    write_private(path, {"scale": scale, "seed": seed, "today": day.isoformat()})
    return day


def _read_marker(var: Path) -> dict[str, Any] | None:
    path = var / MARKER
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
