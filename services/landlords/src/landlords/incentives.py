"""Which landlord incentives apply to a unit, and the tax advantages shown as information (DOMAIN 3.7)."""

from __future__ import annotations

from dataclasses import dataclass

from landlords.rules_policy import LandlordsRules
from landlords.unit_schemas import ContractType


@dataclass(frozen=True)
class GuaranteeFund:
    """Arrears the agency's fund covers, and how the tenant repays it."""

    max_months: int
    tenant_repay_min_months: int
    claim_after_months: int


@dataclass(frozen=True)
class TaxInformation:
    """Reference values only: the agency does not compute tax."""

    cedolare_secca_rate_bp: int
    cedolare_secca_reduced: bool
    imu_factor_bp: int | None  # share of the IMU rate due; None = the ordinary rate


@dataclass(frozen=True)
class UnitIncentives:
    contract_type: ContractType
    contract_term: str | None
    one_off_grant_cents: int | None
    guarantee: GuaranteeFund | None
    renovation_grant_max_cents: int | None
    tax: TaxInformation


def incentives_for_unit(
    *,
    contract_type: ContractType,
    contract_term: str | None,
    comune: str,
    rules: LandlordsRules,
) -> UnitIncentives:
    """The incentives a unit's lease earns; a concordato lease without a term takes the default term."""
    ur = rules.units
    inc = rules.incentives
    eligible = contract_type.value in ur.incentive_contract_types
    term = contract_term
    if contract_type is ContractType.CONCORDATO and term is None:
        term = rules.tenancy.default_contract_term
    return UnitIncentives(
        contract_type=contract_type,
        contract_term=term,
        one_off_grant_cents=inc.landlord_one_off_cents.get(term) if eligible and term else None,
        guarantee=GuaranteeFund(
            max_months=inc.guarantee_max_months,
            tenant_repay_min_months=inc.guarantee_tenant_repay_min_months,
            claim_after_months=rules.tenancy.guarantee_claim_months,
        )
        if eligible
        else None,
        renovation_grant_max_cents=inc.renovation_grant_max_cents if eligible else None,
        tax=tax_information(contract_type=contract_type, comune=comune, rules=rules),
    )


def tax_information(
    *, contract_type: ContractType, comune: str, rules: LandlordsRules
) -> TaxInformation:
    concordato = contract_type.value in rules.units.concordato_tax_contract_types
    reduced = concordato and comune in rules.tax.cedolare_reduced_rate_comuni
    return TaxInformation(
        cedolare_secca_rate_bp=rules.tax.cedolare_concordato_bp
        if reduced
        else rules.tax.cedolare_ordinary_bp,
        cedolare_secca_reduced=reduced,
        imu_factor_bp=rules.tax.imu_concordato_factor_bp if concordato else None,
    )
