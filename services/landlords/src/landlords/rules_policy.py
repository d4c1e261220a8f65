"""Typed, integer-valued views of the policy sections the landlords service owns."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from shared.policy import Policy, PolicyError, load_policy, to_bp, to_cents


def _strings(value: Any, *, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{name} must be a list of strings")
    return tuple(value)


def _ordered(table: dict[str, Any], *, name: str) -> tuple[Any, ...]:
    """A table keyed "1".."k" as a tuple indexed by key - 1; the last entry means k or more."""
    keys = sorted(int(k) for k in table)
    if keys != list(range(1, len(keys) + 1)):
        raise PolicyError(f"{name} must be keyed 1..k without gaps")
    return tuple(table[str(k)] for k in keys)


@dataclass(frozen=True)
class LandlordFiltersPolicy:
    allowed: tuple[str, ...]
    prohibited: frozenset[str]
    review_keywords_it: tuple[str, ...]


@dataclass(frozen=True)
class TenancyPolicy:
    default_contract_term: str
    allowed_contract_terms: tuple[str, ...]
    guarantee_claim_months: int


@dataclass(frozen=True)
class IncentivesPolicy:
    guarantee_max_months: int
    guarantee_tenant_repay_min_months: int
    renovation_grant_max_cents: int
    landlord_one_off_cents: dict[str, int]


@dataclass(frozen=True)
class TaxPolicy:
    cedolare_ordinary_bp: int
    cedolare_concordato_bp: int
    cedolare_reduced_rate_comuni: frozenset[str]
    imu_concordato_factor_bp: int


@dataclass(frozen=True)
class AdequacyPolicy:
    """The H3/H4 parameters a landlord's occupancy filter is checked against (DOMAIN 4.9)."""

    min_area_m2_by_size: tuple[int, ...]
    under_occupation_bp: int
    studio_max_household_size: int
    habitability_m2_first_four: int
    habitability_m2_each_further: int


@dataclass(frozen=True)
class UnitRulesPolicy:
    unit_min_surface_m2: int
    unit_min_m2_per_room: int
    unit_max_m2_per_room: int
    residential_cadastral_group: str
    excluded_cadastral_categories: frozenset[str]
    free_market_terms: tuple[str, ...]
    sas_contract_terms: tuple[str, ...]
    transitorio_min_months: int
    transitorio_max_months: int
    transitorio_band_min_population: int
    band_checked_contract_types: frozenset[str]
    incentive_contract_types: frozenset[str]
    concordato_tax_contract_types: frozenset[str]
    import_max_rows: int
    import_max_bytes: int


@dataclass(frozen=True)
class AccordoPolicy:
    band_source: str
    default_zone: str
    unit_type_by_rooms: tuple[str, ...]
    raw_bands: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class LandlordsRules:
    """Everything the pure landlords rules read, parsed once from a `Policy`."""

    policy: Policy
    filters: LandlordFiltersPolicy
    tenancy: TenancyPolicy
    incentives: IncentivesPolicy
    tax: TaxPolicy
    adequacy: AdequacyPolicy
    units: UnitRulesPolicy
    accordo: AccordoPolicy
    comune_population: dict[str, int]
    comune_names: frozenset[str]

    @property
    def capofila(self) -> str:
        return str(self.policy.value("territory.capofila"))


def rules_from_policy(policy: Policy) -> LandlordsRules:
    lf = policy.section("landlord_filters")
    ten = policy.section("tenancy")
    inc = policy.section("incentives")
    tax = policy.section("tax")
    adq = policy.section("adequacy")
    ur = policy.section("unit_rules")
    acc = policy.section("accordo")
    allowed_terms = _strings(ten["allowed_contract_terms"], name="tenancy.allowed_contract_terms")
    one_off = {str(k): to_cents(v) for k, v in inc["landlord_one_off_eur"].items()}
    if not set(one_off) <= set(allowed_terms):
        raise PolicyError(
            "incentives.landlord_one_off_eur has a term outside allowed_contract_terms"
        )
    rules = LandlordsRules(
        policy=policy,
        filters=LandlordFiltersPolicy(
            allowed=_strings(lf["allowed"], name="landlord_filters.allowed"),
            prohibited=frozenset(_strings(lf["prohibited"], name="landlord_filters.prohibited")),
            review_keywords_it=_strings(
                lf["review_keywords_it"], name="landlord_filters.review_keywords_it"
            ),
        ),
        tenancy=TenancyPolicy(
            default_contract_term=str(ten["default_contract_term"]),
            allowed_contract_terms=allowed_terms,
            guarantee_claim_months=int(ten["guarantee_claim_months"]),
        ),
        incentives=IncentivesPolicy(
            guarantee_max_months=int(inc["guarantee_max_months"]),
            guarantee_tenant_repay_min_months=int(inc["guarantee_tenant_repay_min_months"]),
            renovation_grant_max_cents=to_cents(inc["renovation_grant_max_eur"]),
            landlord_one_off_cents=one_off,
        ),
        tax=TaxPolicy(
            cedolare_ordinary_bp=to_bp(tax["cedolare_secca_ordinary_rate"]),
            cedolare_concordato_bp=to_bp(tax["cedolare_secca_concordato_rate"]),
            cedolare_reduced_rate_comuni=frozenset(
                _strings(
                    tax["cedolare_reduced_rate_comuni"], name="tax.cedolare_reduced_rate_comuni"
                )
            ),
            imu_concordato_factor_bp=to_bp(tax["imu_concordato_factor"]),
        ),
        adequacy=AdequacyPolicy(
            min_area_m2_by_size=tuple(
                int(v) for v in _ordered(adq["min_area_m2_by_size"], name="min_area_m2_by_size")
            ),
            under_occupation_bp=to_bp(adq["under_occupation_factor"]),
            studio_max_household_size=int(adq["studio_max_household_size"]),
            habitability_m2_first_four=int(adq["habitability_m2_first_four"]),
            habitability_m2_each_further=int(adq["habitability_m2_each_further"]),
        ),
        units=UnitRulesPolicy(
            unit_min_surface_m2=int(ur["unit_min_surface_m2"]),
            unit_min_m2_per_room=int(ur["unit_min_m2_per_room"]),
            unit_max_m2_per_room=int(ur["unit_max_m2_per_room"]),
            residential_cadastral_group=str(ur["residential_cadastral_group"]),
            excluded_cadastral_categories=frozenset(
                _strings(ur["excluded_cadastral_categories"], name="excluded_cadastral_categories")
            ),
            free_market_terms=_strings(ur["free_market_terms"], name="free_market_terms"),
            sas_contract_terms=_strings(ur["sas_contract_terms"], name="sas_contract_terms"),
            transitorio_min_months=int(ur["transitorio_min_months"]),
            transitorio_max_months=int(ur["transitorio_max_months"]),
            transitorio_band_min_population=int(ur["transitorio_band_min_population"]),
            band_checked_contract_types=frozenset(
                _strings(ur["band_checked_contract_types"], name="band_checked_contract_types")
            ),
            incentive_contract_types=frozenset(
                _strings(ur["incentive_contract_types"], name="incentive_contract_types")
            ),
            concordato_tax_contract_types=frozenset(
                _strings(ur["concordato_tax_contract_types"], name="concordato_tax_contract_types")
            ),
            import_max_rows=int(ur["import_max_rows"]),
            import_max_bytes=int(ur["import_max_bytes"]),
        ),
        accordo=AccordoPolicy(
            band_source=str(acc["accordo_band_source"]),
            default_zone=str(acc["accordo_default_zone"]),
            unit_type_by_rooms=tuple(
                str(v) for v in _ordered(acc["unit_type_by_rooms"], name="unit_type_by_rooms")
            ),
            raw_bands=tuple(acc.get("bands", ())),
        ),
        comune_population={c.name: c.population for c in policy.comuni},
        comune_names=policy.comune_names(),
    )
    if set(rules.filters.allowed) & rules.filters.prohibited:
        raise PolicyError("a landlord filter cannot be both allowed and prohibited")
    if rules.accordo.band_source not in {"placeholder", "explicit"}:
        raise PolicyError("accordo.accordo_band_source must be 'placeholder' or 'explicit'")
    return rules


def decimal_value(value: Any) -> Decimal:
    """A policy number as an exact Decimal (the loader parses floats as Decimal)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


@lru_cache(maxsize=1)
def default_rules() -> LandlordsRules:
    """The rules of the packaged policy; the pydantic schemas use them to name prohibited filters."""
    return rules_from_policy(load_policy())
