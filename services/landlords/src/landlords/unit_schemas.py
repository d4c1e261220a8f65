"""API schemas of a unit submission: closed, bounded, money in euros with at most two decimals."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from landlords.rules_policy import LandlordFiltersPolicy, default_rules
from shared.errors import FieldError

# NUL and control characters never enter a record; free text keeps newlines and tabs (RELIABILITY 3.4).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_NL_TAB = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_characters", "Control characters are not allowed")
    return value


def _free_text(value: str) -> str:
    if _CONTROL_EXCEPT_NL_TAB.search(value):
        raise PydanticCustomError("control_characters", "Control characters are not allowed")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_single_line),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_single_line)
]
FreeText = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_free_text)]
Term = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}\+[0-9]{1,2}$")]
Euros = Annotated[Decimal, Field(ge=0, le=Decimal("99999.99"), decimal_places=2)]
SquareMetres = Annotated[Decimal, Field(gt=0, le=Decimal("9999.9"), decimal_places=1)]
EnergyClass = Literal["A4", "A3", "A2", "A1", "B", "C", "D", "E", "F", "G"]


class ContractType(StrEnum):
    CONCORDATO = "concordato"  # canone concordato, 3+2 and longer (L. 431/1998 art. 2 c.3)
    FREE_MARKET = "free_market"  # 4+4
    TRANSITORIO = "transitorio"  # 1-18 months (DM 16/01/2017)
    SAS = "sas"  # servizi abitativi sociali


def filter_rejection(*, key: str, filters: LandlordFiltersPolicy) -> tuple[str, str]:
    """Code and message for a filter outside the lawful list; the message names the lawful ones."""
    allowed = "Allowed filters: " + ", ".join(filters.allowed) + "."
    if key in filters.prohibited:
        criterion = key.replace("_", " ")
        return "prohibited_landlord_filter", f"Units cannot be restricted by {criterion}. {allowed}"
    return "unknown_landlord_filter", f"This filter does not exist. {allowed}"


def _filter_error(key: str) -> PydanticCustomError:
    code, message = filter_rejection(key=key, filters=default_rules().filters)
    # The message is final text, not a template: braces in it must not be read as placeholders.
    return PydanticCustomError(code, message)


class UnitFilters(BaseModel):
    """The landlord's lawful conditions (DOMAIN 4.9); any other key is rejected by name."""

    model_config = ConfigDict(extra="forbid")

    max_occupants: int | None = Field(default=None, ge=1, le=99)
    pets_allowed: bool | None = None
    smoking_allowed: bool | None = None
    available_from: date | None = None
    min_contract_term: Term | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _closed(cls, data: Any, handler: ModelWrapValidatorHandler[UnitFilters]) -> UnitFilters:
        # A closed schema alone would say "extra_forbidden"; the landlord must learn what is lawful.
        if not isinstance(data, dict):
            return handler(data)
        if data.keys() <= _FILTER_FIELDS:
            return handler(data)
        line_errors: list[InitErrorDetails] = [
            InitErrorDetails(type=_filter_error(str(k)), loc=(str(k),), input=v)
            for k, v in data.items()
            if k not in _FILTER_FIELDS
        ]
        try:
            handler({k: v for k, v in data.items() if k in _FILTER_FIELDS})
        except ValidationError as exc:
            line_errors.extend(
                InitErrorDetails(
                    type=PydanticCustomError(e["type"], e["msg"]),
                    loc=e["loc"],
                    input=e.get("input"),
                )
                for e in exc.errors()
            )
        raise ValidationError.from_exception_data(cls.__name__, line_errors)


_FILTER_FIELDS = frozenset(UnitFilters.model_fields)


class UnitCreate(BaseModel):
    """A unit as a landlord submits it (API body, one import row)."""

    model_config = ConfigDict(extra="forbid")

    unit_reference: ShortText = ""
    address: Name
    comune: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    zone: ShortText | None = None
    cadastral_category: Annotated[str, StringConstraints(pattern=r"^[A-F]/[0-9]{1,2}$")] | None = (
        None
    )
    surface_m2: SquareMetres
    conventional_surface_m2: SquareMetres | None = None
    rooms: int = Field(ge=1, le=50)
    bedrooms: int = Field(ge=0, le=50)
    floor: int | None = Field(default=None, ge=-5, le=99)
    lift: bool | None = None
    step_free: bool | None = None
    barrier_free: bool | None = None
    energy_class: EnergyClass
    furnished: bool = False
    monthly_rent_eur: Euros = Field(gt=0)
    service_charges_eur: Euros = Decimal(0)
    contract_type: ContractType
    contract_term: Term | None = None
    transitorio_months: int | None = Field(default=None, ge=1, le=99)
    filters: UnitFilters = Field(default_factory=UnitFilters)
    notes: FreeText = ""

    @property
    def rent_cents(self) -> int:
        return int(self.monthly_rent_eur * 100)

    @property
    def charges_cents(self) -> int:
        return int(self.service_charges_eur * 100)

    @property
    def surface_tenths(self) -> int:
        return int(self.surface_m2 * 10)

    @property
    def rent_surface_tenths(self) -> int:
        """The surface the band check divides by: the accordo's conventional one when given."""
        surface = self.conventional_surface_m2 or self.surface_m2
        return int(surface * 10)


def json_pointer(loc: tuple[int | str, ...], *, prefix: str = "/body") -> str:
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in loc)
    return "/".join((prefix, *parts))


def errors_from_validation(exc: ValidationError, *, prefix: str = "/body") -> list[FieldError]:
    """Pydantic errors as per-field errors, never echoing input values (RELIABILITY 3.4)."""
    return [
        FieldError(pointer=json_pointer(e["loc"], prefix=prefix), code=e["type"], message=e["msg"])
        for e in exc.errors(include_input=False, include_url=False, include_context=False)
    ]
