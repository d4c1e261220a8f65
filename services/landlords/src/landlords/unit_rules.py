"""Validation of a submitted unit: per-field errors, review warnings and the facts matching needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from landlords.bands import Band, BandTable, build_band_table
from landlords.occupancy import Occupancy, occupancy
from landlords.rules_policy import LandlordsRules, default_rules
from landlords.screening import screen_notes
from landlords.unit_schemas import ContractType, UnitCreate, errors_from_validation
from shared.errors import FieldError, Invalid
from shared.policy import cents_to_eur

OCCUPANCY_FILTER_EXCLUDES_ALL = "OCCUPANCY_FILTER_EXCLUDES_ALL"
OCCUPANCY_FILTER_REVIEW = "OCCUPANCY_FILTER_REVIEW"
NOTES_HELD_FOR_REVIEW = "notes_held_for_review"


@dataclass(frozen=True)
class UnitAssessment:
    errors: tuple[FieldError, ...]
    warnings: tuple[FieldError, ...]
    hold_for_review: bool
    unit_type: str
    band: Band | None
    band_checked: bool
    occupancy: Occupancy
    review_keywords: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Collector:
    prefix: str
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)

    def error(self, path: str, code: str, message: str) -> None:
        self.errors.append(FieldError(pointer=f"{self.prefix}/{path}", code=code, message=message))

    def warn(self, path: str, code: str, message: str) -> None:
        self.warnings.append(
            FieldError(pointer=f"{self.prefix}/{path}", code=code, message=message)
        )


@dataclass(frozen=True)
class UnitChecker:
    """The policy and the band table, built once and shared by the API and the importer."""

    rules: LandlordsRules
    bands: BandTable

    @classmethod
    def from_rules(cls, rules: LandlordsRules) -> UnitChecker:
        return cls(rules=rules, bands=build_band_table(rules))

    @classmethod
    def default(cls) -> UnitChecker:
        return cls.from_rules(default_rules())

    def parse(
        self, *, raw: Mapping[str, Any], prefix: str = "/body"
    ) -> tuple[UnitCreate | None, UnitAssessment | None, tuple[FieldError, ...]]:
        """Schema then rules: the unit (None if the schema fails), its assessment and all errors."""
        try:
            unit = UnitCreate.model_validate(raw)
        except ValidationError as exc:
            return None, None, tuple(errors_from_validation(exc, prefix=prefix))
        assessment = self.assess(unit=unit, prefix=prefix)
        return unit, assessment, assessment.errors

    def require_valid(self, *, unit: UnitCreate, prefix: str = "/body") -> UnitAssessment:
        """`assess`, raising the 422 problem (`shared.errors.Invalid`) when a rule fails."""
        assessment = self.assess(unit=unit, prefix=prefix)
        if assessment.errors:
            raise Invalid(list(assessment.errors))
        return assessment

    def assess(self, *, unit: UnitCreate, prefix: str = "/body") -> UnitAssessment:
        """Every domain rule on a schema-valid unit (DOMAIN 3.6, 4.9)."""
        out = _Collector(prefix=prefix)
        place_ok = self._check_place(unit=unit, out=out)
        self._check_structure(unit=unit, out=out)
        self._check_contract(unit=unit, out=out)
        band, band_checked = self._check_band(unit=unit, place_ok=place_ok, out=out)
        occ = occupancy(
            surface_tenths=unit.surface_tenths, bedrooms=unit.bedrooms, adequacy=self.rules.adequacy
        )
        self._check_filters(unit=unit, occ=occ, out=out)
        hits = screen_notes(notes=unit.notes, keywords=self.rules.filters.review_keywords_it)
        if hits:
            out.warn(
                "notes",
                NOTES_HELD_FOR_REVIEW,
                "The notes contain wording that may discriminate; a caseworker will review the "
                "unit before it is published. Only these filters are lawful: "
                + ", ".join(self.rules.filters.allowed)
                + ".",
            )
        return UnitAssessment(
            errors=tuple(out.errors),
            warnings=tuple(out.warnings),
            hold_for_review=bool(hits),
            unit_type=self.bands.unit_type_for_rooms(unit.rooms),
            band=band,
            band_checked=band_checked,
            occupancy=occ,
            review_keywords=hits,
        )

    def _check_place(self, *, unit: UnitCreate, out: _Collector) -> bool:
        """Comune and zone; False when no band can be looked up."""
        if unit.comune not in self.rules.comune_names:
            out.error(
                "comune",
                "comune_not_in_ambito",
                f"The comune must be one of the comuni of the {self.rules.policy.value('territory.ambito_name')}.",
            )
            return False
        zones = self.bands.zones_for(unit.comune)
        if unit.zone is None and self.bands.has_own_zones(unit.comune):
            out.error("zone", "zone_required", "Give the accordo zone: " + ", ".join(zones) + ".")
            return False
        if unit.zone is not None and unit.zone not in zones:
            out.error("zone", "unknown_zone", "The zone must be one of: " + ", ".join(zones) + ".")
            return False
        return True

    def _check_structure(self, *, unit: UnitCreate, out: _Collector) -> None:
        ur = self.rules.units
        if unit.cadastral_category is not None:
            group = unit.cadastral_category.split("/", 1)[0]
            if (
                group != ur.residential_cadastral_group
                or unit.cadastral_category in ur.excluded_cadastral_categories
            ):
                out.error(
                    "cadastral_category",
                    "not_residential",
                    f"The unit must be a dwelling: cadastral group {ur.residential_cadastral_group}, "
                    "except " + ", ".join(sorted(ur.excluded_cadastral_categories)) + ".",
                )
        if unit.bedrooms >= unit.rooms:
            out.error("bedrooms", "bedrooms_not_below_rooms", "Bedrooms must be fewer than rooms.")
        low = max(ur.unit_min_surface_m2, unit.rooms * ur.unit_min_m2_per_room)
        high = unit.rooms * ur.unit_max_m2_per_room
        if not low * 10 <= unit.surface_tenths <= high * 10:
            out.error(
                "surface_m2",
                "surface_implausible_for_rooms",
                f"For this number of rooms the useful surface must be between {low} and {high} m².",
            )

    def _check_contract(self, *, unit: UnitCreate, out: _Collector) -> None:
        ur = self.rules.units
        terms: dict[ContractType, tuple[str, ...]] = {
            ContractType.CONCORDATO: self.rules.tenancy.allowed_contract_terms,
            ContractType.FREE_MARKET: ur.free_market_terms,
            ContractType.SAS: ur.sas_contract_terms,
        }
        if unit.contract_type is ContractType.TRANSITORIO:
            if unit.contract_term is not None:
                out.error(
                    "contract_term",
                    "not_applicable",
                    "A transitorio lease has a duration in months, not a term.",
                )
            months = unit.transitorio_months
            if months is None:
                out.error(
                    "transitorio_months", "missing", "Give the transitorio duration in months."
                )
            elif not ur.transitorio_min_months <= months <= ur.transitorio_max_months:
                out.error(
                    "transitorio_months",
                    "transitorio_duration_out_of_range",
                    f"A transitorio lease lasts {ur.transitorio_min_months} to "
                    f"{ur.transitorio_max_months} months.",
                )
            return
        if unit.transitorio_months is not None:
            out.error(
                "transitorio_months",
                "not_applicable",
                "Only a transitorio lease has a duration in months.",
            )
        allowed = terms[unit.contract_type]
        if unit.contract_term is None:
            # The policy's default term is a concordato term; other types must state theirs.
            if unit.contract_type is not ContractType.CONCORDATO:
                out.error(
                    "contract_term", "missing", "Give the term, one of: " + ", ".join(allowed) + "."
                )
        elif unit.contract_term not in allowed:
            out.error(
                "contract_term",
                "contract_term_not_allowed",
                f"A {unit.contract_type.value} lease term must be one of: "
                + ", ".join(allowed)
                + ".",
            )

    def _band_applies(self, unit: UnitCreate) -> bool:
        ur = self.rules.units
        if unit.contract_type.value in ur.band_checked_contract_types:
            return True
        # DM 16/01/2017: transitori in larger comuni must keep to the concordato band too.
        return (
            unit.contract_type is ContractType.TRANSITORIO
            and self.rules.comune_population.get(unit.comune, 0)
            > ur.transitorio_band_min_population
        )

    def _check_band(
        self, *, unit: UnitCreate, place_ok: bool, out: _Collector
    ) -> tuple[Band | None, bool]:
        band = self.bands.band_for(comune=unit.comune, zone=unit.zone, rooms=unit.rooms)
        applies = self._band_applies(unit)
        if not applies or not place_ok:
            return band, applies
        if band is None:
            out.error(
                "zone",
                "band_not_configured",
                "No accordo band is configured for this comune, zone and unit type yet.",
            )
            return None, applies
        if not band.contains(rent_cents=unit.rent_cents, surface_tenths=unit.rent_surface_tenths):
            label = (
                " (placeholder band until the accordo territoriale is loaded)"
                if band.placeholder
                else ""
            )
            out.error(
                "monthly_rent_eur",
                "rent_outside_band",
                f"For a {band.unit_type} in this zone the rent must be between "
                f"{cents_to_eur(band.min_cents_m2)} and {cents_to_eur(band.max_cents_m2)} € per m² "
                f"of conventional surface per month{label}.",
            )
        return band, applies

    def _check_filters(self, *, unit: UnitCreate, occ: Occupancy, out: _Collector) -> None:
        f = unit.filters
        if (
            f.min_contract_term is not None
            and f.min_contract_term not in self.rules.tenancy.allowed_contract_terms
        ):
            out.error(
                "filters/min_contract_term",
                "contract_term_not_allowed",
                "The minimum term must be one of: "
                + ", ".join(self.rules.tenancy.allowed_contract_terms)
                + ".",
            )
        if f.max_occupants is None:
            return
        path = "filters/max_occupants"
        if f.max_occupants > occ.capacity:
            out.error(
                path,
                "max_occupants_above_capacity",
                f"For this surface the most occupants allowed is {occ.capacity}.",
            )
        elif occ.smallest_adequate is not None and f.max_occupants < occ.smallest_adequate:
            out.error(
                path,
                OCCUPANCY_FILTER_EXCLUDES_ALL,
                f"The unit is adequate only for households of {occ.smallest_adequate} or more "
                "people, so this limit would exclude every household.",
            )
        elif f.max_occupants < occ.capacity:
            out.warn(
                path,
                OCCUPANCY_FILTER_REVIEW,
                f"The unit is adequate for households of up to {occ.capacity} people; a caseworker "
                "will review the lower limit.",
            )
