"""After a refusal or an expiry: matching's re-optimisation round, approved by a supervisor."""

from __future__ import annotations

from typing import Any

from agency.demo.api import DemoApi, DemoError
from agency.demo.round import approve, wait_offers_sent, wait_solved

APPEAR_WITHIN_S = 30.0


def reoptimisation_ids(api: DemoApi) -> set[str]:
    return {
        str(r["id"]) for r in api.pages("matching", "/v1/rounds") if r["kind"] == "reoptimisation"
    }


def after_freeing(api: DemoApi, *, before: set[str]) -> list[dict[str, Any]]:
    """Wait for the re-optimisation a freed unit started, approve it, return its offers once sent."""

    def new_round() -> str | None:
        fresh = reoptimisation_ids(api) - before
        return min(fresh) if fresh else None

    round_id = api.wait_for(
        new_round,
        within_s=APPEAR_WITHIN_S,
        what="a re-optimisation round for the freed unit",
        hint="check matching.reoptimise_on_refusal in the policy and var/logs/matching.log",
    )
    wait_solved(api, round_id)
    approve(api, round_id)
    return wait_offers_sent(api, round_id)


def approve_pending(api: DemoApi) -> list[dict[str, Any]]:
    """Approve every completed re-optimisation not approved yet (a resumed demo); their offers."""
    offers: list[dict[str, Any]] = []
    for r in api.pages("matching", "/v1/rounds", status="completed"):
        if r["kind"] != "reoptimisation":
            continue
        try:
            approve(api, str(r["id"]))
        except DemoError:
            continue  # approved meanwhile
        offers += wait_offers_sent(api, str(r["id"]))
    return offers
