"""The policy sections the registry applies, as typed integers (cents, basis points, m² tenths)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.policy import Policy, PolicyError, load_policy, to_bp, to_cents

RefusalClass = Literal["justified", "unjustified"]
RefusalAction = Literal["none", "suspend", "exclude", "remove_from_graduatoria"]
PropertyScope = Literal["province", "italy", "anywhere"]
SapRequirement = Literal["territorial_link", "property", "exclusion", "prior_ownership"]

# SAP requirements b, d, e, f that SAS borrows until the SAS regulation is read (DOMAIN §3.4);
# `eligibility_sas.sas_applies_sap_requirements` overrides the list.
SAS_DEFAULT_SAP_REQUIREMENTS: tuple[SapRequirement, ...] = (
    "territorial_link",
    "property",
    "exclusion",
    "prior_ownership",
)

_AGE_KEY = re.compile(r"^age_(\d+)_plus$")


class _Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SapRules(_Rules):
    isee_max_cents: int
    financial_assets_max_cents: int  # per unit of the ISEE equivalence scale
    real_estate_assets_max_cents: int  # per unit of the ISEE equivalence scale
    permit_min_years: int
    exclusion_lookback_years: int
    territorial_link: Literal["residence_or_work_in_lombardy_at_application"]
    # Keyed by household size; the highest key means "that size or more".
    property_adequacy_min_tenths: dict[int, int]

    def adequacy_min_tenths(self, size: int) -> int:
        return self.property_adequacy_min_tenths[min(size, max(self.property_adequacy_min_tenths))]


class SasRules(_Rules):
    isee_max_cents: int
    isee_min_cents: int
    matching_mode: Literal["agency", "graduatoria"]
    sap_requirements: tuple[SapRequirement, ...]


class AgencyRules(_Rules):
    isee_max_cents: int
    isee_min_cents: int
    territorial_link: Literal["residence_or_work_in_ambito_at_application"]
    requires_regular_stay: bool
    property_scope: PropertyScope


class AffordabilityRules(_Rules):
    max_share_bp: int
    hard_cap_bp: int
    indigent_rent_support_cents: int
    indigent_isee_max_cents: int


class PriorityRules(_Rules):
    eviction_or_release_order: int
    disability_severe: int
    disability_other: int
    disability_severe_min_pct: int = Field(ge=0, le=100)
    disability_other_min_pct: int = Field(ge=0, le=100)
    # Minimum age -> points, highest applicable tier only (not cumulative).
    age_points: dict[int, int]
    single_parent_with_minors: int
    overcrowding_or_cohabitation: int
    improper_or_unhealthy_dwelling: int
    new_family: int
    social_services_referral: int
    score_max: int


class RefusalRules(_Rules):
    no_response_counts_as: RefusalClass
    visit_no_show_counts_as: RefusalClass
    auto_justified_reasons: frozenset[str]
    count_window_months: int = Field(gt=0)
    sap_first_unjustified: RefusalAction
    sap_second_unjustified: RefusalAction
    agency_first_unjustified: RefusalAction
    agency_second_unjustified: RefusalAction
    agency_suspension_days: int = Field(gt=0)
    exclusion_ban_years: int = Field(gt=0)


class RegistryRules(_Rules):
    policy_version: str
    ambito_name: str
    ambito_comuni: frozenset[str]
    isee_validity: Literal["until_31_december_of_filing_year"]
    sap: SapRules
    sas: SasRules
    agency: AgencyRules
    affordability: AffordabilityRules
    priority: PriorityRules
    refusal: RefusalRules

    def isee_valid_until(self, issued_on: date) -> date:
        """Last day an ISEE filed on `issued_on` may be used (the only mode: 31 December)."""
        return date(issued_on.year, 12, 31)


def _int(section: dict[str, Any], key: str) -> int:
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{key} must be an integer, not {value!r}")
    return value


def _tenths(m2: Any) -> int:
    tenths = Decimal(str(m2)) * 10
    if tenths != tenths.to_integral_value():
        raise PolicyError(f"surface {m2} has more precision than a tenth of m²")
    return int(tenths)


def _size_table(table: dict[str, Any]) -> dict[int, int]:
    if not table:
        raise PolicyError("a household-size table is empty")
    return {int(size): _tenths(m2) for size, m2 in table.items()}


def _priority(section: dict[str, Any]) -> PriorityRules:
    ages = {
        int(match.group(1)): _int(section, key)
        for key in section
        if (match := _AGE_KEY.match(key)) is not None
    }
    return PriorityRules(
        eviction_or_release_order=_int(section, "eviction_or_release_order"),
        disability_severe=_int(section, "disability_severe"),
        disability_other=_int(section, "disability_other"),
        disability_severe_min_pct=_int(section, "disability_severe_min_pct"),
        disability_other_min_pct=_int(section, "disability_other_min_pct"),
        age_points=ages,
        single_parent_with_minors=_int(section, "single_parent_with_minors"),
        overcrowding_or_cohabitation=_int(section, "overcrowding_or_cohabitation"),
        improper_or_unhealthy_dwelling=_int(section, "improper_or_unhealthy_dwelling"),
        new_family=_int(section, "new_family"),
        social_services_referral=_int(section, "social_services_referral"),
        score_max=_int(section, "priority_score_max"),
    )


def registry_rules(policy: Policy) -> RegistryRules:
    """Read and type the registry's sections; a missing key or a bad value raises PolicyError."""
    try:
        return _build(policy)
    except (KeyError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        if isinstance(exc, PolicyError):
            raise
        raise PolicyError(f"policy {policy.version}: registry rules invalid: {exc}") from exc


def _build(policy: Policy) -> RegistryRules:
    sap = policy.section("eligibility_sap")
    sas = policy.section("eligibility_sas")
    agency = policy.section("eligibility_agency")
    aff = policy.section("affordability")
    ref = policy.section("refusal")
    return RegistryRules(
        policy_version=policy.version,
        ambito_name=str(policy.value("territory.ambito_name")),
        ambito_comuni=policy.comune_names(),
        isee_validity=agency["isee_validity"],
        sap=SapRules(
            isee_max_cents=to_cents(sap["sap_isee_max"]),
            financial_assets_max_cents=to_cents(sap["sap_financial_assets_max"]),
            real_estate_assets_max_cents=to_cents(sap["sap_property_assets_max"]),
            permit_min_years=_int(sap, "sap_permit_min_years"),
            exclusion_lookback_years=_int(sap, "sap_exclusion_lookback_years"),
            territorial_link=sap["sap_territorial_link"],
            property_adequacy_min_tenths=_size_table(sap["property_adequacy_min_m2"]),
        ),
        sas=SasRules(
            isee_max_cents=to_cents(sas["sas_isee_max"]),
            isee_min_cents=to_cents(sas["sas_isee_min"]),
            matching_mode=sas["sas_matching_mode"],
            sap_requirements=tuple(
                sas.get("sas_applies_sap_requirements", SAS_DEFAULT_SAP_REQUIREMENTS)
            ),
        ),
        agency=AgencyRules(
            isee_max_cents=to_cents(agency["agency_isee_max"]),
            isee_min_cents=to_cents(agency["agency_isee_min"]),
            territorial_link=agency["agency_territorial_link"],
            requires_regular_stay=agency["agency_requires_regular_stay"],
            property_scope=agency["agency_property_scope"],
        ),
        affordability=AffordabilityRules(
            max_share_bp=to_bp(aff["affordability_max_share"]),
            hard_cap_bp=to_bp(aff["affordability_hard_cap"]),
            indigent_rent_support_cents=to_cents(aff["indigent_rent_support_eur"]),
            indigent_isee_max_cents=to_cents(sap["indigent_isee_max"]),
        ),
        priority=_priority(policy.section("priority")),
        refusal=RefusalRules(
            no_response_counts_as=ref["no_response_counts_as"],
            visit_no_show_counts_as=ref["visit_no_show_counts_as"],
            auto_justified_reasons=frozenset(ref["auto_justified_reasons"]),
            count_window_months=_int(ref, "refusal_count_window_months"),
            sap_first_unjustified=ref["sap_first_unjustified"],
            sap_second_unjustified=ref["sap_second_unjustified"],
            agency_first_unjustified=ref["agency_first_unjustified"],
            agency_second_unjustified=ref["agency_second_unjustified"],
            agency_suspension_days=_int(ref, "agency_suspension_days"),
            exclusion_ban_years=_int(ref, "exclusion_ban_years"),
        ),
    )


def load_registry_rules(path: Path | None = None) -> RegistryRules:
    """The registry rules of the policy file at `path` (the packaged defaults when None)."""
    return registry_rules(load_policy(path))
