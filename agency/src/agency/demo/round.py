"""A round for the whole Ambito as a caseworker, approved by a supervisor, offers sent."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agency.demo.api import DemoApi, DemoError

SOLVE_WITHIN_S = 300.0
SETTLE_WITHIN_S = 300.0
DELIVERY_WITHIN_S = 900.0
PROGRESS_EVERY_S = 30.0
LOGS_HINT = "see var/logs/matching.log"


@dataclass(frozen=True)
class Solved:
    round: dict[str, Any]
    waited_s: float


def _settled(api: DemoApi) -> bool:
    """Registry and landlords published every event and matching consumed them all (/ready)."""
    for service in ("registry", "landlords"):
        ready = api.call("GET", service, "/ready", headers={}, expect=(200, 503)).json()
        if ready.get("outbox_backlog") != 0:
            return False
    ready = api.call("GET", "matching", "/ready", headers={}, expect=(200, 503)).json()
    consumers = ready.get("consumers") or {}
    return bool(consumers) and all(c.get("lag") == 0 for c in consumers.values())


def wait_settled(api: DemoApi) -> None:
    """A round snapshots matching's read models: wait until they hold every registry and
    landlords event (three calm readings in a row), so the round sees the whole seeded Ambito."""
    calm = 0

    def three_calm() -> bool | None:
        nonlocal calm
        calm = calm + 1 if _settled(api) else 0
        return True if calm >= 3 else None

    api.wait_for(
        three_calm,
        within_s=SETTLE_WITHIN_S,
        what="matching catching up with the registry and landlords events",
        hint="see `curl <service>/ready` and var/logs/",
    )


def start_round(api: DemoApi) -> str:
    """POST /v1/rounds over the agency programme and every comune (no `comuni` = the whole Ambito)."""
    accepted = api.call(
        "POST",
        "matching",
        "/v1/rounds",
        headers=api.staff(keyed=True),
        json={"programme": "agency"},
        expect=(202,),
    ).json()
    return str(accepted["id"])


def round_view(api: DemoApi, round_id: str) -> dict[str, Any]:
    got: dict[str, Any] = api.get("matching", f"/v1/rounds/{round_id}")
    return got


def wait_solved(api: DemoApi, round_id: str) -> Solved:
    started = time.monotonic()

    def finished() -> dict[str, Any] | None:
        view = round_view(api, round_id)
        return None if view["status"] == "running" else view

    view = api.wait_for(
        finished, within_s=SOLVE_WITHIN_S, what=f"round {round_id} completing", hint=LOGS_HINT
    )
    if view["status"] == "failed":
        raise DemoError(f"round {round_id} failed ({view.get('result_status')}); {LOGS_HINT}")
    return Solved(round=view, waited_s=time.monotonic() - started)


def approve(api: DemoApi, round_id: str) -> dict[str, Any]:
    """A supervisor approves: proposals become offers (a person approves every offer)."""
    view = round_view(api, round_id)
    if view["status"] == "approved":
        return view
    api.call(
        "POST",
        "matching",
        f"/v1/rounds/{round_id}/approve",
        headers=api.staff("supervisor", keyed=True),
    )
    return round_view(api, round_id)


def round_offers(api: DemoApi, round_id: str) -> list[dict[str, Any]]:
    return sorted(api.pages("matching", f"/v1/rounds/{round_id}/offers"), key=lambda o: o["id"])


def wait_offers_sent(
    api: DemoApi, round_id: str, *, say: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """The round's offers once matching marked each `sent` (notifications fetched its link to
    message the household), or as they are after DELIVERY_WITHIN_S: a household with no contact
    or consent never gets one, and the caseworker answers for it. Notifications sends in order,
    so after a large seed the offers wait behind its welcome and eligibility messages."""
    deadline = time.monotonic() + DELIVERY_WITHIN_S
    next_note = time.monotonic() + PROGRESS_EVERY_S
    while True:
        api.check()
        offers = round_offers(api, round_id)
        waiting = sum(1 for o in offers if o["status"] == "approved")
        if not waiting or time.monotonic() > deadline:
            return offers
        if say is not None and time.monotonic() > next_note:
            say(
                f"  notifications is still sending: {len(offers) - waiting} of {len(offers)} "
                "offers have reached their household so far"
            )
            next_note = time.monotonic() + PROGRESS_EVERY_S
        time.sleep(0.5)
