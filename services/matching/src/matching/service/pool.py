"""What a round starts from: the matchable households and free units of a scope, as a snapshot."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Collection
from datetime import datetime
from typing import get_args
from zoneinfo import ZoneInfo

from matching import snapshot as snap
from matching.repository import households as household_repo
from matching.repository import offers as offer_repo
from matching.repository import units as unit_repo
from matching.schemas import PoolView, RoundProgramme
from shared.db import UnitOfWork
from shared.policy import Policy


def local_today(policy: Policy, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(str(policy.value("meta.timezone"))))


async def collect(
    uow: UnitOfWork,
    *,
    policy: Policy,
    programme: str,
    comuni: Collection[str],
    now: datetime,
    only_units: Collection[uuid.UUID] | None = None,
) -> snap.Snapshot:
    """Households (DOMAIN 4.1: eligible, fewer open offers than allowed) and free units in scope."""
    session = uow.session
    today = local_today(policy, now).date()
    max_open = int(policy.value("offers.max_open_offers_per_household"))
    default_acceptable = str(policy.value("geography.agency_default_acceptable"))
    busy = await offer_repo.busy_households(session)
    housed = await offer_repo.housed_households(session)
    refused = await offer_repo.refused_pairs(session)
    households = []
    for row in await household_repo.list_profiles(session):
        if row.household_id in housed or busy.get(row.household_id, 0) >= max_open:
            continue
        if not snap.matchable(row, programme=programme, today=today):
            continue
        entry = snap.household_in(
            row,
            default_acceptable=default_acceptable,
            refused_units=refused.get(row.household_id, []),
            now=now,
        )
        if comuni and not set(entry["acceptable_comuni"]) & set(comuni):
            continue
        households.append(entry)
    taken = await offer_repo.busy_units(session)
    units = []
    for unit in await unit_repo.list_matchable_units(session, programme=programme):
        if unit.unit_id in taken or (comuni and unit.comune not in comuni):
            continue
        if only_units is not None and unit.unit_id not in only_units:
            continue
        units.append(snap.unit_in(unit, now=now))
    return snap.build_snapshot(
        policy_overrides=snap.engine_policy_overrides(policy, programme=programme),
        households=households,
        units=units,
    )


async def pool(uow: UnitOfWork, *, policy: Policy, now: datetime) -> PoolView:
    today = local_today(policy, now).date()
    profiles = await household_repo.list_profiles(uow.session)
    return PoolView(
        households=len(profiles),
        households_by_comune=dict(Counter(row.residence_comune or "" for row in profiles)),
        units=await unit_repo.count_matchable_units(uow.session),
        eligible={
            programme: sum(
                snap.matchable(row, programme=programme, today=today) for row in profiles
            )
            for programme in get_args(RoundProgramme)
        },
    )


def scope_key(*, programme: str, comuni: Collection[str], kind: str) -> str:
    return f"{kind}:{programme}:{json.dumps(sorted(comuni))}"
