"""Producing events for bus tests without HTTP: rows in a producer's outbox, copies injected on the stream."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import MetaData, insert

from shared.db import Database, InfraTables
from shared.events.landlords import UnitPublished
from shared.events.registry import HouseholdRegistered, MatchingProfile, ProgrammeEligibility
from shared.testing.nats import NatsServer


def registrations(n: int) -> list[HouseholdRegistered]:
    now = datetime.now(UTC)
    return [
        HouseholdRegistered(
            household_id=uuid.uuid4(), entity_version=1, size=1 + i % 5, application_time=now
        )
        for i in range(n)
    ]


async def commit_to_outbox(
    url: str, *, metadata: MetaData, infra: InfraTables, events: list[HouseholdRegistered]
) -> None:
    """Commit events as the registry would (its outbox table), for its running relay to publish."""
    db = Database.connect(url, metadata=metadata, infra=infra)
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": str(e.event_id),
            "subject": e.subject,
            "payload": e.model_dump_json(),
            "aggregate_id": str(e.household_id),
            "created_at": now,
        }
        for e in events
    ]
    try:
        async with db.uow() as uow:
            for i in range(0, len(rows), 1000):
                await uow.session.execute(insert(infra.outbox), rows[i : i + 1000])
            await uow.commit()
    finally:
        await db.dispose()


async def inject(
    server: NatsServer, *, user: str, messages: list[tuple[str, bytes]], fresh_ids: bool = True
) -> None:
    """Publish raw messages as `user`: copies with fresh Nats-Msg-Ids, or poison."""
    nc = await server.connect(user)
    try:
        js = nc.jetstream(timeout=5)
        for subject, data in messages:
            msg_id = str(uuid.uuid4()) if fresh_ids else json.loads(data)["event_id"]
            await js.publish(subject, data, headers={"Nats-Msg-Id": msg_id})
    finally:
        await nc.close()


def eligible_household(
    rng: random.Random, comune: str, *, max_size: int = 4
) -> HouseholdRegistered:
    """A household eligible for the agency programme, accepting only its own comune."""
    size = rng.randint(1, max_size)
    profile = MatchingProfile(
        programmes=(ProgrammeEligibility(programme="agency", eligible=True, status="eligible"),),
        size=size,
        priority=rng.randint(0, 100),
        application_time=datetime(2026, 1, rng.randint(1, 28), tzinfo=UTC),
        max_rent_eur=Decimal(rng.choice(["350.00", "450.00", "600.00"])),
        affordability_share_bp=3000,
        residence_comune=comune,
        acceptable_comuni=(comune,),
    )
    return HouseholdRegistered(
        household_id=uuid.uuid4(),
        entity_version=1,
        size=size,
        residence_comune=comune,
        application_time=profile.application_time,
        profile=profile,
    )


def published_unit(rng: random.Random, comune: str) -> UnitPublished:
    """A published concordato bilocale in `comune`, inside its band, for up to 4 occupants."""
    return UnitPublished(
        unit_id=uuid.uuid4(),
        entity_version=1,
        landlord_id=uuid.uuid4(),
        comune=comune,
        area_m2=Decimal("55.0"),
        rooms=2,
        bedrooms=1,
        floor=rng.randint(0, 4),
        lift=True,
        step_free=True,
        rent_eur=Decimal(rng.choice(["280.00", "320.00", "400.00"])),
        charges_eur=Decimal("60.00"),
        band_ok=True,
        contract_type="concordato",
        max_occupants=4,
    )
