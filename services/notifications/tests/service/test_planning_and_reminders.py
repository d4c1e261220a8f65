"""Which messages an event asks for (pure), and the offer reminder 48 h before the deadline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from notifications import planning, service
from notifications.catalog import MessageKind
from shared.events import landlords, registry
from shared.testing.waiting import wait_until

if TYPE_CHECKING:
    from services.notifications.tests.service import notifications_events as ev
    from services.notifications.tests.service.conftest import LINK, Harness
else:
    import notifications_events as ev
    from conftest import LINK, Harness


def test_eligibility_reasons_are_plain_and_never_figures() -> None:
    [plan] = planning.eligibility_assessed(ev.eligibility(uuid.uuid4(), eligible=False))
    assert plan.kind is MessageKind.ELIGIBILITY_OUTCOME
    assert plan.params.model_dump() == {
        "programme": "agency",
        "outcome": "ineligible",
        "reasons": ("ECONOMIC_LIMIT",),
    }


def test_the_agency_writes_about_its_own_programme_first() -> None:
    def outcome(programme: str, eligible: bool) -> registry.ProgrammeEligibility:
        return registry.ProgrammeEligibility(
            programme=programme,  # type: ignore[arg-type]
            eligible=eligible,
            status="eligible" if eligible else "ineligible",
            reason_codes=() if eligible else ("ISEE_ABOVE_MAX",),
        )

    hid = uuid.uuid4()
    both = ev.eligibility(hid, eligible=True).model_copy(
        update={"programmes": (outcome("sap", True), outcome("agency", True))}
    )
    [plan] = planning.eligibility_assessed(both)
    assert plan.params.model_dump()["programme"] == "agency"
    sap_only = both.model_copy(
        update={"programmes": (outcome("agency", False), outcome("sap", True))}
    )
    [plan] = planning.eligibility_assessed(sap_only)
    assert plan.params.model_dump()["programme"] == "sap"


def test_status_changes_other_than_suspension_or_exclusion_say_nothing() -> None:
    hid = uuid.uuid4()
    housed = registry.HouseholdStatusChanged(
        household_id=hid, entity_version=4, programme="agency", status="housed"
    )
    assert planning.status_changed(housed) == []
    odd = ev.suspended(hid).model_copy(update={"reason_code": "SOMETHING_NEW"})
    [plan] = planning.status_changed(odd)
    assert plan.params.model_dump()["reason"] == "OTHER"


def test_an_offer_tells_the_landlord_only_the_household_size() -> None:
    made = ev.offer_made(uuid.uuid4(), uuid.uuid4())
    made = made.model_copy(update={"landlord_decide_by": made.respond_by + timedelta(days=5)})
    household, landlord = planning.offer_made(made)
    assert household.offer_id == made.offer_id
    assert landlord.recipient_key == made.landlord_id
    assert set(landlord.params.model_dump()) == {
        "unit_ref",
        "comune",
        "programme",
        "household_size",
        "respond_by",
        "decide_by",
    }
    assert landlord.params.model_dump()["respond_by"] == made.respond_by
    assert landlord.params.model_dump()["decide_by"] == made.landlord_decide_by


async def test_one_reminder_before_the_deadline(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("email",))
    made = ev.offer_made(hid, h.world.landlord())
    await h.publish("matching", made)

    async def queued() -> bool:
        return len(await h.rows()) == 4

    await wait_until(queued)
    early = datetime.now(UTC)
    near = made.respond_by - timedelta(hours=47)
    for now in (early, near, near + timedelta(minutes=5)):
        async with h.svc.runtime.db.uow() as uow:
            await service.queue_reminders(uow, lead=timedelta(hours=48), now=now)
            await uow.commit()
    reminders = await h.rows(template="household.offer_reminder")
    assert sorted(r["channel"] for r in reminders) == ["email", "sms"]
    await h.sender.run_once(now=near + timedelta(minutes=10))
    [mail] = [m for m in h.emails() if LINK in m.get_body(("plain",)).get_content()][-1:]
    assert mail["Subject"]


async def test_finished_messages_go_after_90_days(harness: Harness) -> None:
    h = harness
    hid = h.world.household(channels=("email",))
    await h.publish("registry", ev.registered(hid))

    async def queued() -> bool:
        return len(await h.rows()) == 2

    await wait_until(queued)
    await h.send()
    for days, left in ((89, 2), (91, 0)):
        async with h.svc.runtime.db.uow() as uow:
            await service.apply_retention(uow, now=datetime.now(UTC) + timedelta(days=days))
            await uow.commit()
        assert len(await h.rows()) == left


async def test_a_unit_republished_after_a_change_is_announced_once(harness: Harness) -> None:
    h = harness
    lid = h.world.landlord()
    unit_id = uuid.uuid4()

    def published(version: int) -> landlords.UnitPublished:
        return landlords.UnitPublished(
            entity_version=version,
            unit_id=unit_id,
            landlord_id=lid,
            comune="Crema",
            area_m2=Decimal("55.0"),
            rooms=2,
            rent_eur=Decimal("300.00"),
            charges_eur=Decimal("50.00"),
            band_ok=True,
            contract_type="concordato",
        )

    await h.publish("landlords", ev.unit_submitted(lid, unit_id), published(2), published(3))

    async def handled() -> bool:
        lags = [await c.refresh_lag() for c in h.svc.runtime.consumers]
        return not any(lags) and len(await h.rows()) >= 2

    await wait_until(handled)
    templates = sorted(r["template"] for r in await h.rows())
    assert templates == ["landlord.unit_published", "landlord.unit_received"]


def test_landlord_messages_name_the_unit_by_the_landlords_own_reference() -> None:
    lid, unit_id = uuid.uuid4(), uuid.uuid4()
    submitted = ev.unit_submitted(lid, unit_id)
    [plan] = planning.unit_submitted(submitted.model_copy(update={"unit_reference": "Via Roma 3"}))
    assert plan.params.model_dump()["unit_ref"] == "Via Roma 3"
    [plan] = planning.unit_submitted(submitted)
    assert plan.params.model_dump()["unit_ref"] == str(unit_id)  # no reference given
    long = "Via   Giuseppe Garibaldi 120, scala B, interno 14, piano terzo"
    assert planning.unit_label(unit_id, long) == "Via Giuseppe Garibaldi 120, scala B"
    made = ev.offer_made(uuid.uuid4(), lid, unit_id=unit_id)
    _, landlord = planning.offer_made(made, reference="Via Roma 3")
    assert landlord.params.model_dump()["unit_ref"] == "Via Roma 3"
