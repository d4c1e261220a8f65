"""The embedded demo: the service's own sender loop delivers to the local SMTP sink and SMS file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from shared.testing.nats import NatsServer
from shared.testing.services import ServiceStarter
from shared.testing.waiting import wait_until

if TYPE_CHECKING:
    from services.notifications.tests.delivery.notifications_delivery_helpers import (
        free_port,
        serve,
    )
    from services.notifications.tests.service import notifications_events as ev
    from services.notifications.tests.service.conftest import World
else:
    import notifications_events as ev
    from conftest import World
    from notifications_delivery_helpers import free_port, serve


async def test_demo_sinks_show_messages_without_any_account(
    start_service: ServiceStarter, clean_streams: NatsServer, tmp_path: Path
) -> None:
    world = World()
    hid = world.household(language="en", channels=("email", "sms"))
    mail_dir, sms_file = tmp_path / "mail", tmp_path / "sms.jsonl"
    async with (
        serve(world.app) as world_url,
        start_service(  # the service's own sender loop, as in `agency up`
            "notifications",
            smtp_port=free_port(),
            demo_smtp_sink_dir=mail_dir,
            sms_file_path=sms_file,
            service_urls={"registry": world_url},
            sender_enabled=True,
            sender_poll_s=0.05,
        ),
    ):
        event = ev.registered(hid, language="en")
        nc = await clean_streams.connect("registry")
        try:
            await nc.jetstream(timeout=5).publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(event.event_id)},
            )
        finally:
            await nc.close()

        async def both_arrived() -> bool:
            return len(list(mail_dir.glob("*.eml"))) == 1 and sms_file.exists()

        await wait_until(both_arrived)
    [eml] = list(mail_dir.glob("*.eml"))
    assert b"Content-Language: en" in eml.read_bytes()
    [line] = [json.loads(x) for x in sms_file.read_text().splitlines()]
    assert line["to"].endswith(world.households[str(hid)]["mobile"][-3:])
    assert line["to"].startswith("*")  # masked in the demo file
