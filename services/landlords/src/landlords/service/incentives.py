"""The incentives and tax information that apply to a unit's lease (DOMAIN 3.7)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from landlords.incentives import incentives_for_unit
from landlords.service.units import visible_unit
from landlords.unit_rules import UnitChecker
from landlords.unit_schemas import ContractType
from landlords.unit_views import GuaranteeView, IncentivesView, TaxView
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.policy import cents_to_eur


async def unit_incentives(
    uow: UnitOfWork, *, unit_id: uuid.UUID, principal: Principal, checker: UnitChecker
) -> IncentivesView:
    row = await visible_unit(uow, unit_id=unit_id, principal=principal)
    found = incentives_for_unit(
        contract_type=ContractType(row.contract_type),
        contract_term=row.contract_term,
        comune=row.comune,
        rules=checker.rules,
    )
    return IncentivesView(
        unit_id=row.id,
        contract_type=found.contract_type.value,
        contract_term=found.contract_term,
        one_off_grant_eur=None
        if found.one_off_grant_cents is None
        else cents_to_eur(found.one_off_grant_cents),
        guarantee=None
        if found.guarantee is None
        else GuaranteeView(
            max_months=found.guarantee.max_months,
            tenant_repay_min_months=found.guarantee.tenant_repay_min_months,
            claim_after_months=found.guarantee.claim_after_months,
        ),
        renovation_grant_max_eur=None
        if found.renovation_grant_max_cents is None
        else cents_to_eur(found.renovation_grant_max_cents),
        tax=TaxView(
            cedolare_secca_rate=_bp_share(found.tax.cedolare_secca_rate_bp),
            cedolare_secca_reduced=found.tax.cedolare_secca_reduced,
            imu_share_of_rate=None
            if found.tax.imu_factor_bp is None
            else _bp_share(found.tax.imu_factor_bp),
        ),
    )


def _bp_share(bp: int) -> Decimal:
    return (Decimal(bp) / 10000).quantize(Decimal("0.0001"))
