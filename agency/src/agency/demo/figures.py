"""The figures of the report, read back from the services (and the NOTIFICATIONS stream)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from agency.demo.api import DemoApi
from agency.stack import OPS, StackPaths
from shared.messaging.nats_config import inbox_prefix

REFUSED = {"refused_by_household", "refused_by_landlord"}


@dataclass(frozen=True)
class Figures:
    round: dict[str, Any]
    households_by_comune: Counter[str]
    units_by_comune: Counter[str]
    matched_by_comune: Counter[str]
    unmatched_by_reason: Counter[str]
    offers: Counter[str]
    reoptimisations: int
    messages: Counter[tuple[str, str]]  # (outcome, channel)


def offer_outcome(offer: dict[str, Any]) -> str:
    status = str(offer["status"])
    if status == "confirmed_by_landlord":
        return "accepted by both (tenancy agreed)"
    if status == "accepted_by_household":
        return "accepted, landlord to confirm"
    if status == "refused_by_household":
        return f"declined by the household ({offer['classification'] or 'pending'})"
    if status == "refused_by_landlord":
        return "declined by the landlord"
    if status in ("approved", "sent", "visit_booked"):
        return "open, awaiting the household"
    return status


def collect(api: DemoApi, *, paths: StackPaths, round_id: str, nats_url: str) -> Figures:
    view: dict[str, Any] = api.get("matching", f"/v1/rounds/{round_id}")
    snapshot = api.get("matching", f"/v1/rounds/{round_id}/snapshot")
    households = Counter(str(h.get("residence_comune") or "?") for h in snapshot["households"])
    units = Counter(str(u["comune"]) for u in snapshot["units"])
    stats = view.get("stats") or {}
    matched = Counter({str(k): int(v) for k, v in stats.get("matched_by_comune", {}).items()})
    proposed = {
        str(o["household_id"]) for o in api.pages("matching", f"/v1/rounds/{round_id}/offers")
    }
    reasons: Counter[str] = Counter()
    for household in snapshot["households"]:
        if str(household["id"]) in proposed:
            continue
        why = api.get("matching", f"/v1/rounds/{round_id}/explanations/{household['id']}")
        if why["outcome"] != "MATCHED":
            reasons[str(why["outcome"])] += 1
    offers = Counter(offer_outcome(o) for o in api.pages("matching", "/v1/offers"))
    reopt = sum(1 for r in api.pages("matching", "/v1/rounds") if r["kind"] == "reoptimisation")
    messages = asyncio.run(_messages(paths, nats_url))
    return Figures(
        round=view,
        households_by_comune=households,
        units_by_comune=units,
        matched_by_comune=matched,
        unmatched_by_reason=reasons,
        offers=offers,
        reoptimisations=reopt,
        messages=messages,
    )


async def _messages(paths: StackPaths, nats_url: str) -> Counter[tuple[str, str]]:
    """Messages sent and failed by channel: the notifications service's own outcome events."""
    password = json.loads(paths.nats_passwords.read_text(encoding="utf-8"))[OPS]
    nc = await nats.connect(
        servers=[nats_url], user=OPS, password=password, inbox_prefix=inbox_prefix(OPS).encode()
    )
    counts: Counter[tuple[str, str]] = Counter()
    try:
        js = nc.jetstream(timeout=10)
        sub = await js.pull_subscribe(
            "notifications.message.>",
            durable=None,
            stream="NOTIFICATIONS",
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30
            ),
        )
        pending = (await sub.consumer_info()).num_pending or 0
        while pending > 0:
            batch = await sub.fetch(min(500, pending), timeout=10)
            for msg in batch:
                outcome = msg.subject.split(".")[2]  # notifications.message.<sent|failed>.v1
                counts[(outcome, str(json.loads(msg.data)["channel"]))] += 1
            pending -= len(batch)
        await sub.unsubscribe()
    finally:
        await nc.close()
    return counts
