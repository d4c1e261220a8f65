"""Matching's outcomes move statuses: offer made, tenancy agreed, and the refusal policy (DOMAIN §4.8)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.events.base import Event
from shared.events.matching import (
    OfferDeclined,
    OfferExpired,
    OfferMade,
    OfferWithdrawn,
    RefusalClassified,
    TenancyAgreed,
)
from shared.testing.nats import NatsServer
from shared.testing.producing import inject
from shared.testing.waiting import wait_until

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry


async def _publish(server: NatsServer, *events: Event) -> None:
    await inject(
        server,
        user="matching",
        messages=[(e.subject, e.model_dump_json().encode()) for e in events],
        fresh_ids=False,
    )


def _offer(household_id: str, **overrides: Any) -> OfferMade:
    values: dict[str, Any] = {
        "entity_version": 1,
        "offer_id": uuid.uuid4(),
        "household_id": uuid.UUID(household_id),
        "unit_id": uuid.uuid4(),
        "landlord_id": uuid.uuid4(),
        "programme": "agency",
        "respond_by": datetime.now(UTC) + timedelta(days=10),
        "household_size": 1,
        "comune": "Cremona",
        "rent_eur": "300",
        "charges_eur": "50",
    }
    values.update(overrides)
    return OfferMade(**values)


def _refusal(household_id: str, classification: str, **overrides: Any) -> RefusalClassified:
    values: dict[str, Any] = {
        "entity_version": 1,
        "offer_id": uuid.uuid4(),
        "household_id": uuid.UUID(household_id),
        "programme": "agency",
        "reason_code": "PREFERENCE",
        "classification": classification,
        "refused_at": datetime.now(UTC),
    }
    values.update(overrides)
    return RefusalClassified(**values)


async def _agency(registry: Any, hid: str) -> dict[str, Any]:
    response = await registry.client.get(f"/v1/households/{hid}/status", headers=registry.staff())
    status: dict[str, Any] = next(
        p for p in response.json()["programmes"] if p["programme"] == "agency"
    )
    return status


async def _status_becomes(registry: Any, hid: str, expected: str) -> dict[str, Any]:
    async def reached() -> bool:
        return (await _agency(registry, hid))["status"] == expected

    await wait_until(reached, within=30)
    return await _agency(registry, hid)


async def test_an_offer_then_a_tenancy_move_the_programme_to_offered_then_housed(
    started: Started, clean_streams: NatsServer
) -> None:
    async with started() as registry:
        hid = (await registry.eligible())["id"]
        offer = _offer(hid)
        await _publish(clean_streams, offer, offer)  # a redelivered copy has no second effect
        await _status_becomes(registry, hid, "offered")
        await _publish(
            clean_streams,
            TenancyAgreed(
                entity_version=2,
                offer_id=offer.offer_id,
                household_id=offer.household_id,
                unit_id=offer.unit_id,
                landlord_id=offer.landlord_id,
            ),
        )
        await _status_becomes(registry, hid, "housed")
        changes = (
            await registry.client.get(f"/v1/households/{hid}/status", headers=registry.staff())
        ).json()["changes"]
        agency = [c for c in changes if c["programme"] == "agency"]
        assert [c["to_status"] for c in agency][-2:] == ["offered", "housed"]
        assert agency[-1]["actor_kind"] == "system"


async def test_an_offer_closed_without_the_households_refusal_puts_it_back_in_the_queue(
    started: Started, clean_streams: NatsServer
) -> None:
    async with started() as registry:
        hid = (await registry.eligible())["id"]
        # The landlord declines, the unit is withdrawn, the landlord lets its deadline pass.
        for close in (
            lambda o: OfferDeclined(
                by="landlord", reason_code="PETS_MISMATCH", **_ids(o), entity_version=2
            ),
            lambda o: OfferWithdrawn(reason_code="UNIT_WITHDRAWN", **_ids(o), entity_version=2),
            lambda o: OfferExpired(no_response=False, **_ids(o), entity_version=2),
        ):
            offer = _offer(hid)
            await _publish(clean_streams, offer)
            await _status_becomes(registry, hid, "offered")
            await _publish(clean_streams, close(offer))
            await _status_becomes(registry, hid, "eligible")
        changes = (
            await registry.client.get(f"/v1/households/{hid}/status", headers=registry.staff())
        ).json()["changes"]
        reasons = [c["reason_code"] for c in changes if c["to_status"] == "eligible"][-3:]
        assert reasons == ["offer_refused_by_landlord", "offer_withdrawn", "offer_expired"]

        # The household's own refusal or silence waits for its classification instead.
        offer = _offer(hid)
        await _publish(clean_streams, offer)
        await _status_becomes(registry, hid, "offered")
        await _publish(
            clean_streams,
            OfferDeclined(
                by="household", reason_code="PREFERENCE", **_ids(offer), entity_version=2
            ),
            OfferExpired(no_response=True, **_ids(offer), entity_version=3),
        )
        await _publish(clean_streams, _refusal(hid, "unjustified", offer_id=offer.offer_id))
        await _status_becomes(registry, hid, "suspended")
        changes = (
            await registry.client.get(f"/v1/households/{hid}/status", headers=registry.staff())
        ).json()["changes"]
        # Straight from offered to suspended: neither the refusal nor the silence re-queued it.
        assert [c["to_status"] for c in changes][-2:] == ["offered", "suspended"]


def _ids(offer: OfferMade) -> dict[str, Any]:
    return {
        "offer_id": offer.offer_id,
        "household_id": offer.household_id,
        "unit_id": offer.unit_id,
        "landlord_id": offer.landlord_id,
    }


async def test_unjustified_refusals_suspend_then_exclude_and_justified_ones_cost_nothing(
    started: Started, clean_streams: NatsServer
) -> None:
    async with started() as registry:
        hid = (await registry.eligible())["id"]
        await _publish(clean_streams, _offer(hid))
        await _status_becomes(registry, hid, "offered")
        await _publish(clean_streams, _refusal(hid, "justified", reason_code="UNIT_UNSAFE"))
        await _status_becomes(registry, hid, "eligible")

        await _publish(clean_streams, _offer(hid))
        await _status_becomes(registry, hid, "offered")
        first = _refusal(hid, "unjustified")
        await _publish(clean_streams, first, first)
        suspended = await _status_becomes(registry, hid, "suspended")
        assert suspended["until"] == (date.today() + timedelta(days=90)).isoformat()

        lifted = await registry.client.post(
            f"/v1/households/{hid}/status",
            json={"programme": "agency", "status": "eligible", "reason_code": "suspension_over"},
            headers=registry.staff(),
        )
        assert lifted.status_code == 200
        await _publish(clean_streams, _offer(hid))
        await _status_becomes(registry, hid, "offered")
        await _publish(clean_streams, _refusal(hid, "unjustified"))
        excluded = await _status_becomes(registry, hid, "excluded")
        assert excluded["until"] is not None
        assert excluded["until"] > date.today().isoformat()
