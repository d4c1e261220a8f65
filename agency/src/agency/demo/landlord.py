"""A landlord answers an offer on its unit with its own API key, as its software would."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from agency.demo.api import DemoApi, DemoError

KEYS_FILE = "demo-landlord-keys.json"
LANDLORD_WITHIN_S = 120.0  # the landlords service learns of an offer from the MATCHING stream


def landlord_keys(var: Path) -> dict[str, str]:
    """landlord id -> API key, as the seed kept them ({"<index>": {"landlord_id", "api_key"}})."""
    path = var / KEYS_FILE
    if not path.exists():
        raise DemoError(f"no landlord API keys in {path}; the seed did not finish")
    raw: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return {str(v["landlord_id"]): str(v["api_key"]) for v in raw.values()}


def decide(
    api: DemoApi, *, key: str, offer_id: str, decision: str, reason_code: str | None = None
) -> None:
    """POST /v1/offers/{id}/decision on the landlords service, once the offer reached it."""
    headers = {"Authorization": f"Bearer {key}"}

    def visible() -> bool | None:
        got = api.call(
            "GET", "landlords", f"/v1/offers/{offer_id}", headers=headers, expect=(200, 404)
        )
        return True if got.status_code == 200 else None

    api.wait_for(
        visible,
        within_s=LANDLORD_WITHIN_S,
        what="an offer reaching its landlord",
        hint="see var/logs/landlords.log",
    )
    body = {"decision": decision, **({"reason_code": reason_code} if reason_code else {})}
    api.call(
        "POST",
        "landlords",
        f"/v1/offers/{offer_id}/decision",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json=body,
        expect=(202, 409),
    )
