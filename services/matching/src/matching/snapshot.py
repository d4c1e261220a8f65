"""A round's input: read-model rows mapped to the engine's problem format, canonically ordered and hashed."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from matching.models import HouseholdProfile, UnitListing
from shared.policy import Policy

# The policy sections the engine reads (engine_policy.resolve_policy); a snapshot carries their values
# so `matching-solve` on it applies the same policy as the round, whatever file the service ran with.
ENGINE_SECTIONS = ("adequacy", "accessibility", "affordability", "quotas", "matching")
_RESERVE = {"police_firefighter": "police", "local_category": "local"}
_MATCHABLE_STATUSES = frozenset({"eligible", "offered"})


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def canonical(value: Any) -> str:
    """Sorted keys, no spaces, decimals as JSON numbers: the bytes a snapshot hash is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def decode(text: str) -> Any:
    """Decimals straight from the text, as `matching-solve` reads them."""
    return json.loads(text, parse_float=Decimal)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def engine_policy_overrides(policy: Policy, *, programme: str) -> dict[str, Any]:
    """Flat `section.key` overrides of every engine value; the indigent floor only where it applies."""
    out: dict[str, Any] = {
        f"{section}.{key}": value
        for section in ENGINE_SECTIONS
        for key, value in policy.section(section).items()
    }
    out["meta.policy_version"] = policy.version
    out["territory.capofila"] = policy.value("territory.capofila")
    if programme not in policy.value("quotas.indigent_quota_programmes"):
        out["quotas.indigent_quota_share"] = 0
    return out


def statuses(row: HouseholdProfile) -> dict[str, list[Any]]:
    value: dict[str, list[Any]] = json.loads(row.statuses or "{}")
    return value


def matchable(row: HouseholdProfile, *, programme: str, today: date) -> bool:
    """Eligible for the programme, not on hold, status not suspended/excluded/withdrawn (DOMAIN 4.1)."""
    if row.profile is None:
        return False
    profile = json.loads(row.profile)
    if profile.get("legal_hold") or profile.get("max_rent_eur") is None:
        return False
    entry = next((p for p in profile["programmes"] if p["programme"] == programme), None)
    if entry is None or not entry["eligible"]:
        return False
    until = entry.get("eligible_until")
    if until is not None and date.fromisoformat(until) < today:
        return False
    status = statuses(row).get(programme, [entry["status"], 0])[0]
    return status in _MATCHABLE_STATUSES


def _months(since: datetime, now: datetime) -> int:
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    months = (now.year - since.year) * 12 + now.month - since.month
    return max(0, months - (1 if now.day < since.day else 0))


def household_in(
    row: HouseholdProfile, *, default_acceptable: str, refused_units: list[str], now: datetime
) -> dict[str, Any]:
    """A profile as the engine's HouseholdIn (DOMAIN.md 5.3 names)."""
    p = json.loads(row.profile or "{}")
    acceptable = list(p.get("acceptable_comuni") or ())
    if not acceptable and default_acceptable == "residence_and_work":
        acceptable = [c for c in (p.get("residence_comune"), p.get("work_comune")) if c]
    entry: dict[str, Any] = {
        "id": str(row.household_id),
        "size": p["size"],
        "priority": p["priority"],
        "max_rent_eur": p["max_rent_eur"],
        "indigent": p.get("indigent", False),
        "needs_step_free": p.get("needs_step_free", False),
        "acceptable_comuni": sorted(set(acceptable)),
        "pets": p.get("pets", False),
        "smoker": p.get("smoker", False),
        "has_minors": p.get("has_minors", False),
        "months_waiting": _months(row.application_time, now),
        "application_time": row.application_time.astimezone(UTC).isoformat()
        if row.application_time.tzinfo
        else row.application_time.isoformat(),
        "rent_support_eur": p.get("rent_support_eur") or "0",
        "affordability_share": str(Decimal(p.get("affordability_share_bp", 0)) / 10000),
        "wheelchair": p.get("wheelchair", False),
        "prefers_low_floor": p.get("prefers_low_floor", False),
        "accepts_as_is": p.get("accepts_as_is", False),
        "refused_units": sorted(refused_units),
    }
    optional = {
        "isbar": p.get("isbar"),
        "hard_ceiling_eur": p.get("hard_ceiling_eur"),
        "residence_comune": p.get("residence_comune"),
        "work_comune": p.get("work_comune"),
        "latest_move_in": p.get("latest_move_in"),
        "reserve_category": _RESERVE.get(p.get("reserve_category") or ""),
    }
    entry.update({k: v for k, v in optional.items() if v is not None})
    return entry


def unit_in(row: UnitListing, *, now: datetime) -> dict[str, Any]:
    """A published unit as the engine's UnitIn."""
    f = json.loads(row.facts or "{}")
    published = row.published_at or now
    published = published if published.tzinfo else published.replace(tzinfo=UTC)
    entry: dict[str, Any] = {
        "id": str(row.unit_id),
        "landlord_id": str(row.landlord_id),
        "programme": row.programme,
        "comune": f["comune"],
        "area_m2": f["area_m2"],
        "rent_eur": f["rent_eur"],
        "charges_eur": f["charges_eur"],
        "step_free": f.get("step_free"),
        "max_occupants": f.get("max_occupants"),
        "pets_allowed": f.get("pets_allowed", True),
        "smoking_allowed": f.get("smoking_allowed", True),
        "status": "needs_works"
        if f.get("needs_works") or row.status == "needs_works"
        else "published",
        "lift": f.get("lift", False),
        "barrier_free": f.get("barrier_free", False),
        "no_transit": f.get("no_transit", False),
        "band_ok": f.get("band_ok", False),
        "days_vacant": max(0, (now - published).days),
    }
    optional = {
        "zone": f.get("zone"),
        "building_id": f.get("building_id"),
        "available_from": f.get("available_from"),
        "bedrooms": f.get("bedrooms"),
        "floor": f.get("floor"),
    }
    entry.update({k: v for k, v in optional.items() if v is not None})
    return entry


@dataclass(frozen=True)
class Snapshot:
    """The problem without its seed (committed separately), as canonical JSON, and its hash."""

    body: dict[str, Any]
    text: str
    hash: str
    households: int
    units: int

    def problem(self, *, seed: str) -> dict[str, Any]:
        return {**decode(self.text), "seed": seed}


def build_snapshot(
    *,
    policy_overrides: dict[str, Any],
    households: list[dict[str, Any]],
    units: list[dict[str, Any]],
) -> Snapshot:
    body = {
        "policy": policy_overrides,
        "households": sorted(households, key=lambda h: str(h["id"])),
        "units": sorted(units, key=lambda u: str(u["id"])),
    }
    text = canonical(body)
    return Snapshot(
        body=body, text=text, hash=sha256(text), households=len(households), units=len(units)
    )


def problem_text(snapshot_text: str, *, seed: str) -> str:
    """The stored snapshot plus its seed: exactly what `matching-solve` reads."""
    return canonical({**decode(snapshot_text), "seed": seed})


def ids(items: list[dict[str, Any]]) -> list[uuid.UUID]:
    return [uuid.UUID(str(i["id"])) for i in items]
