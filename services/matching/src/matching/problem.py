"""The self-contained matching problem and result formats of `matching-solve`, strictly validated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)


def _exact(places: int, what: str) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        if not value.is_finite() or value < 0:
            raise ValueError(f"{what} must be a finite, non-negative number")
        scaled = value.scaleb(places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{what} has more than {places} decimal(s)")
        return value

    return AfterValidator(check)


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


# Money in euros with at most two decimals (held as cents by the engine); areas with one decimal.
Euros = Annotated[Decimal, Field(allow_inf_nan=False), _exact(2, "an amount in euros")]
SquareMetres = Annotated[Decimal, Field(allow_inf_nan=False), _exact(1, "an area in m2")]
Priority = Annotated[Decimal, Field(allow_inf_nan=False), AfterValidator(_finite)]
Identifier = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    # A closed schema: an unknown field is an error that names it, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HouseholdIn(_Strict):
    """A household's pseudonymous matching profile (DOMAIN.md §5.3)."""

    id: Identifier = Field(validation_alias=AliasChoices("id", "household_id"))
    size: int = Field(ge=1)
    priority: Priority
    max_rent_eur: Euros
    indigent: bool
    needs_step_free: bool
    acceptable_comuni: list[Identifier]
    pets: bool
    smoker: bool
    # Optional §5.3 fields: a rule needing a missing one is skipped.
    programme: str | None = None
    eligible: bool = True
    eligible_until: date | None = None
    has_minors: bool | None = None
    isbar: Decimal | None = None
    application_time: str | None = None
    months_waiting: int | None = Field(default=None, ge=0)
    rent_support_eur: Euros | None = None
    affordability_share: Decimal | None = None
    hard_ceiling_eur: Euros | None = None
    wheelchair: bool | None = None
    prefers_low_floor: bool | None = None
    residence_comune: str | None = None
    work_comune: str | None = None
    selected_units: list[str] | None = None
    reserve_category: Literal["police", "local"] | None = None
    latest_move_in: date | None = None
    accepts_as_is: bool = False
    refusal_state: str | None = None
    refused_units: list[str] = Field(default_factory=list)


class UnitIn(_Strict):
    """A published unit as matching sees it (DOMAIN.md §5.3)."""

    id: Identifier = Field(validation_alias=AliasChoices("id", "unit_id"))
    comune: Identifier
    area_m2: SquareMetres
    rent_eur: Euros
    charges_eur: Euros
    step_free: bool | None
    max_occupants: int | None = Field(ge=1)
    pets_allowed: bool
    smoking_allowed: bool
    landlord_id: str | None = None
    owner_scope: str | None = None
    building_id: str | None = None
    programme: str | None = None
    zone: str | None = None
    status: Literal["published", "needs_works"] = "published"
    available_from: date | None = None
    days_vacant: int | None = Field(default=None, ge=0)
    bedrooms: int | None = Field(default=None, ge=0)
    floor: int | None = None
    lift: bool | None = None
    barrier_free: bool | None = None
    no_transit: bool | None = None
    band_ok: bool = True


class Problem(_Strict):
    """`matching-solve`'s input: seed, policy overrides (flat keys), households and units."""

    seed: int | str
    policy: dict[str, Any] = Field(default_factory=dict)
    households: list[HouseholdIn]
    units: list[UnitIn]

    @model_validator(mode="after")
    def _unique_ids(self) -> Problem:
        for name, ids in (
            ("households", [h.id for h in self.households]),
            ("units", [u.id for u in self.units]),
        ):
            seen: set[str] = set()
            for index, item in enumerate(ids):
                if item in seen:
                    raise ValueError(f"{name}[{index}].id: duplicate id {item!r}")
                seen.add(item)
        return self


class Assignment(BaseModel):
    """A proposed pair with its stage-1 weight (dense rank) and its fit, total and per score."""

    household_id: str
    unit_id: str
    priority_weight: int
    fit: int
    scores: dict[str, int] = Field(default_factory=dict)


class Unmatched(BaseModel):
    household_id: str
    reason: Literal["NO_FEASIBLE_UNIT", "OUTRANKED", "LOST_TIE_LOTTERY", "QUOTA"]
    feasible_units: int
    excluded_by: dict[str, int]
    detail: str
    counterfactual: str | None = None


class Result(BaseModel):
    """`matching-solve`'s output: every household is in `assignments` or in `unmatched`."""

    status: Literal["optimal", "not_proven_optimal"]
    assignments: list[Assignment]
    unmatched: list[Unmatched]
    stats: dict[str, Any]


class ProblemError(ValueError):
    """Bad input; the message names the offending field (`households[3].max_rent_eur: ...`)."""


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse_problem(data: Any) -> Problem:
    """Validate a decoded problem; raise ProblemError naming the first bad field."""
    try:
        return Problem.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ProblemError(f"{field_path(first['loc']) or 'problem'}: {first['msg']}") from exc
