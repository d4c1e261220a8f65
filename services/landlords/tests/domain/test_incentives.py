"""Incentives per contract type, the guarantee fund, and the tax information (DOMAIN 3.7)."""

from __future__ import annotations

import pytest

from landlords.incentives import incentives_for_unit, tax_information
from landlords.rules_policy import LandlordsRules
from landlords.unit_schemas import ContractType


@pytest.mark.parametrize(
    ("term", "grant_cents"),
    [("3+2", 120000), ("4+2", 150000), ("5+2", 180000), ("6+2", 200000), (None, 120000)],
)
def test_concordato_earns_the_one_off_grant_by_term(
    rules: LandlordsRules, term: str | None, grant_cents: int
) -> None:
    inc = incentives_for_unit(
        contract_type=ContractType.CONCORDATO, contract_term=term, comune="Cremona", rules=rules
    )
    assert inc.one_off_grant_cents == grant_cents
    assert inc.contract_term == (term or rules.tenancy.default_contract_term)
    assert inc.guarantee is not None
    assert (inc.guarantee.max_months, inc.guarantee.tenant_repay_min_months) == (18, 12)
    assert inc.guarantee.claim_after_months == rules.tenancy.guarantee_claim_months
    assert inc.renovation_grant_max_cents == 800000


@pytest.mark.parametrize(
    "contract", [ContractType.FREE_MARKET, ContractType.TRANSITORIO, ContractType.SAS]
)
def test_other_contracts_earn_no_agency_incentive(
    rules: LandlordsRules, contract: ContractType
) -> None:
    inc = incentives_for_unit(
        contract_type=contract, contract_term="4+4", comune="Cremona", rules=rules
    )
    assert inc.one_off_grant_cents is None
    assert inc.guarantee is None
    assert inc.renovation_grant_max_cents is None
    assert inc.tax.cedolare_secca_rate_bp == 2100
    assert inc.tax.imu_factor_bp is None


def test_reduced_cedolare_only_in_listed_comuni(rules: LandlordsRules) -> None:
    city = tax_information(contract_type=ContractType.CONCORDATO, comune="Cremona", rules=rules)
    assert (city.cedolare_secca_rate_bp, city.cedolare_secca_reduced, city.imu_factor_bp) == (
        1000,
        True,
        7500,
    )
    small = tax_information(contract_type=ContractType.CONCORDATO, comune="Soresina", rules=rules)
    assert (small.cedolare_secca_rate_bp, small.cedolare_secca_reduced, small.imu_factor_bp) == (
        2100,
        False,
        7500,
    )
