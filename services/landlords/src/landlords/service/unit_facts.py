"""Explicit conversions of a unit: submission -> row values -> API views and published facts."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from landlords.importing import content_hash, natural_key
from landlords.models import Unit
from landlords.unit_rules import UnitAssessment
from landlords.unit_schemas import ContractType, UnitCreate, UnitFilters
from landlords.unit_views import Problem, UnitLandlordView, UnitStaffView, Verification
from shared.errors import FieldError, Invalid
from shared.events.landlords import UnitPublished
from shared.policy import cents_to_eur

# Changes to these leave a published unit published (re-announced); any other change re-verifies it.
LIGHT_FIELDS = frozenset({"filters", "service_charges_eur", "unit_reference"})


def _tenths_to_m2(tenths: int | None) -> Decimal | None:
    return None if tenths is None else (Decimal(tenths) / 10).quantize(Decimal("0.1"))


def fact_values(
    *,
    landlord_id: uuid.UUID,
    unit: UnitCreate,
    assessment: UnitAssessment,
    keys: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The row columns that hold the unit's facts; `keys` = (natural key, content hash) if known."""
    key, digest = keys or (natural_key(landlord_id=landlord_id, unit=unit), content_hash(unit))
    f = unit.filters
    band = assessment.band
    band_ok = (
        band.contains(rent_cents=unit.rent_cents, surface_tenths=unit.rent_surface_tenths)
        if band is not None
        else not assessment.band_checked
    )
    return {
        "natural_key": key,
        "content_hash": digest,
        "held_for_review": assessment.hold_for_review,
        "review_keywords": "\n".join(assessment.review_keywords),
        "warnings": json.dumps([w.as_dict() for w in assessment.warnings]),
        "unit_reference": unit.unit_reference,
        "address": unit.address,
        "comune": unit.comune,
        "zone": unit.zone,
        "cadastral_category": unit.cadastral_category,
        "surface_tenths": unit.surface_tenths,
        "conventional_surface_tenths": None
        if unit.conventional_surface_m2 is None
        else int(unit.conventional_surface_m2 * 10),
        "rooms": unit.rooms,
        "bedrooms": unit.bedrooms,
        "floor": unit.floor,
        "lift": unit.lift,
        "step_free": unit.step_free,
        "barrier_free": unit.barrier_free,
        "energy_class": unit.energy_class,
        "furnished": unit.furnished,
        "rent_cents": unit.rent_cents,
        "charges_cents": unit.charges_cents,
        "contract_type": unit.contract_type.value,
        "contract_term": unit.contract_term,
        "transitorio_months": unit.transitorio_months,
        "max_occupants": f.max_occupants,
        "pets_allowed": f.pets_allowed,
        "smoking_allowed": f.smoking_allowed,
        "available_from": f.available_from,
        "min_contract_term": f.min_contract_term,
        "notes": unit.notes,
        "unit_type": assessment.unit_type,
        "band_ok": band_ok,
    }


def submission_of(row: Unit) -> dict[str, Any]:
    """The row as the submission it came from, in the API's units, to merge a patch into."""
    filters = {
        "max_occupants": row.max_occupants,
        "pets_allowed": row.pets_allowed,
        "smoking_allowed": row.smoking_allowed,
        "available_from": row.available_from,
        "min_contract_term": row.min_contract_term,
    }
    return {
        "unit_reference": row.unit_reference,
        "address": row.address,
        "comune": row.comune,
        "zone": row.zone,
        "cadastral_category": row.cadastral_category,
        "surface_m2": _tenths_to_m2(row.surface_tenths),
        "conventional_surface_m2": _tenths_to_m2(row.conventional_surface_tenths),
        "rooms": row.rooms,
        "bedrooms": row.bedrooms,
        "floor": row.floor,
        "lift": row.lift,
        "step_free": row.step_free,
        "barrier_free": row.barrier_free,
        "energy_class": row.energy_class,
        "furnished": row.furnished,
        "monthly_rent_eur": cents_to_eur(row.rent_cents),
        "service_charges_eur": cents_to_eur(row.charges_cents),
        "contract_type": row.contract_type,
        "contract_term": row.contract_term,
        "transitorio_months": row.transitorio_months,
        "filters": {k: v for k, v in filters.items() if v is not None},
        "notes": row.notes,
    }


def merge_patch(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7396 on one level plus the filters object; a null removes an optional value."""
    merged = dict(current)
    for key, value in patch.items():
        if key == "filters" and isinstance(value, dict):
            filters = dict(merged.get("filters") or {})
            filters.update(value)
            merged["filters"] = {k: v for k, v in filters.items() if v is not None}
        else:
            merged[key] = value
    return {k: v for k, v in merged.items() if v is not None}


def landlord_view(row: Unit) -> UnitLandlordView:
    return UnitLandlordView(**_view_fields(row))


def staff_view(row: Unit) -> UnitStaffView:
    return UnitStaffView(
        **_view_fields(row),
        landlord_id=row.landlord_id,
        review_keywords=[k for k in row.review_keywords.split("\n") if k],
    )


def _view_fields(row: Unit) -> dict[str, Any]:
    data = submission_of(row)
    verification = (
        Verification(
            outcome=row.verification_outcome,
            reason_code=row.verification_reason,
            note=row.verification_note,
            at=row.verified_at,
        )
        if row.verification_outcome is not None and row.verified_at is not None
        else None
    )
    return {
        **data,
        "filters": UnitFilters.model_validate(data["filters"]),
        "id": row.id,
        "status": row.status,
        "held_for_review": row.held_for_review,
        "warnings": [Problem(**w) for w in json.loads(row.warnings)],
        "verification": verification,
        "unit_type": row.unit_type,
        "band_ok": row.band_ok,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def programme_of(contract_type: str) -> str:
    return "sas" if contract_type == ContractType.SAS.value else "agency"


def published_event(row: Unit, *, now: datetime) -> UnitPublished:
    """Every fact matching needs (DOMAIN 5.3); facts outside the event's bounds cannot be published."""
    try:
        return UnitPublished(
            occurred_at=now,
            entity_version=row.entity_version,
            unit_id=row.id,
            landlord_id=row.landlord_id,
            status="needs_works" if row.status == "needs_works" else "published",
            programme=programme_of(row.contract_type),  # type: ignore[arg-type]
            comune=row.comune,
            unit_reference=row.unit_reference or None,
            zone=row.zone,
            available_from=row.available_from,
            area_m2=_tenths_to_m2(row.surface_tenths),  # type: ignore[arg-type]
            rooms=row.rooms,
            bedrooms=row.bedrooms,
            floor=row.floor,
            lift=bool(row.lift),
            step_free=row.step_free,
            barrier_free=bool(row.barrier_free),
            rent_eur=cents_to_eur(row.rent_cents),
            charges_eur=cents_to_eur(row.charges_cents),
            band_ok=row.band_ok,
            contract_type=row.contract_type,
            max_occupants=row.max_occupants,
            pets_allowed=row.pets_allowed is not False,
            smoking_allowed=row.smoking_allowed is not False,
            needs_works=row.status == "needs_works",
            contract_term=row.contract_term,
            min_contract_term=row.min_contract_term,
            transitorio_months=row.transitorio_months,
            furnished=row.furnished,
            energy_class=row.energy_class,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        fields = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        raise Invalid(
            [
                FieldError(
                    f"/unit/{name}",
                    "not_publishable",
                    "This value is outside what the matching service accepts; correct it first.",
                )
                for name in sorted(fields)
            ]
        ) from None
