"""Eligibility per programme (DOMAIN §3.3-3.5): every failed requirement with a code and a reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field

from registry.dates import add_years
from registry.facts import HouseholdFacts, LegalStatus, Programme
from registry.rules_policy import PropertyScope, RegistryRules, SapRequirement
from shared.policy import to_bp


class Reason(StrEnum):
    ISEE_MISSING = "ISEE_MISSING"
    ISEE_EXPIRED = "ISEE_EXPIRED"
    ISEE_DATE_IN_FUTURE = "ISEE_DATE_IN_FUTURE"
    ISEE_ABOVE_MAX = "ISEE_ABOVE_MAX"
    ISEE_BELOW_MIN = "ISEE_BELOW_MIN"
    FINANCIAL_ASSETS_ABOVE_MAX = "FINANCIAL_ASSETS_ABOVE_MAX"
    REAL_ESTATE_ASSETS_ABOVE_MAX = "REAL_ESTATE_ASSETS_ABOVE_MAX"
    CITIZENSHIP_OR_PERMIT = "CITIZENSHIP_OR_PERMIT"
    NO_REGULAR_STAY = "NO_REGULAR_STAY"
    NO_TERRITORIAL_LINK = "NO_TERRITORIAL_LINK"
    ADEQUATE_PROPERTY_OWNED = "ADEQUATE_PROPERTY_OWNED"
    RECENT_EXCLUSION_EVENT = "RECENT_EXCLUSION_EVENT"
    PRIOR_PUBLIC_OWNERSHIP = "PRIOR_PUBLIC_OWNERSHIP"


class Failure(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: Reason
    message: str  # for the caseworker: figures, ceiling and the rule, never for other services


class Assessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    programme: Programme
    failures: tuple[Failure, ...]
    eligible_until: date | None  # the ISEE's last valid day when eligible
    policy_version: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def eligible(self) -> bool:
        return not self.failures

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(f.reason for f in self.failures)


def format_eur(cents: int) -> str:
    """17,200 or 17,200.50: the caseworker-facing figure, whole euros without decimals."""
    euros, rest = divmod(cents, 100)
    return f"{euros:,}" if rest == 0 else f"{euros:,}.{rest:02d}"


def format_m2(tenths: int) -> str:
    whole, rest = divmod(tenths, 10)
    return f"{whole} m²" if rest == 0 else f"{whole}.{rest} m²"


_LABEL = {Programme.SAP: "SAP", Programme.SAS: "SAS", Programme.AGENCY: "agency"}
_SCOPE_LOCATIONS: dict[PropertyScope, frozenset[str]] = {
    "province": frozenset({"province"}),
    "italy": frozenset({"province", "italy"}),
    "anywhere": frozenset({"province", "italy", "abroad"}),
}
_SCOPE_LABEL: dict[PropertyScope, str] = {
    "province": "in the province",
    "italy": "in Italy",
    "anywhere": "in Italy or abroad",
}


def _isee(
    facts: HouseholdFacts, rules: RegistryRules, today: date, programme: Programme
) -> Iterable[Failure]:
    isee = facts.isee
    label = _LABEL[programme]
    if isee is None:
        yield Failure(reason=Reason.ISEE_MISSING, message="no ISEE on file")
        return
    if isee.issued_on > today:
        yield Failure(
            reason=Reason.ISEE_DATE_IN_FUTURE,
            message=f"ISEE dated {isee.issued_on.isoformat()}, after today",
        )
    valid_until = rules.isee_valid_until(isee.issued_on)
    if valid_until < today:
        yield Failure(
            reason=Reason.ISEE_EXPIRED,
            message=f"ISEE of {isee.issued_on.isoformat()} expired on {valid_until.isoformat()}",
        )
    ceiling, floor = {
        Programme.SAP: (rules.sap.isee_max_cents, 0),
        Programme.SAS: (rules.sas.isee_max_cents, rules.sas.isee_min_cents),
        Programme.AGENCY: (rules.agency.isee_max_cents, rules.agency.isee_min_cents),
    }[programme]
    if isee.value_cents > ceiling:
        yield Failure(
            reason=Reason.ISEE_ABOVE_MAX,
            message=f"ISEE {format_eur(isee.value_cents)} > {format_eur(ceiling)} {label} ceiling",
        )
    if isee.value_cents < floor:
        yield Failure(
            reason=Reason.ISEE_BELOW_MIN,
            message=f"ISEE {format_eur(isee.value_cents)} < {format_eur(floor)} {label} floor",
        )


def _sap_assets(facts: HouseholdFacts, rules: RegistryRules) -> Iterable[Failure]:
    if facts.isee is None:
        return  # the ceilings scale with the ISEE's equivalence scale; ISEE_MISSING says why
    scale = facts.isee.equivalence_scale
    scale_bp = to_bp(scale)
    for reason, held, per_unit, what in (
        (
            Reason.FINANCIAL_ASSETS_ABOVE_MAX,
            facts.financial_assets_cents,
            rules.sap.financial_assets_max_cents,
            "financial assets",
        ),
        (
            Reason.REAL_ESTATE_ASSETS_ABOVE_MAX,
            facts.real_estate_assets_cents,
            rules.sap.real_estate_assets_max_cents,
            "real-estate assets",
        ),
    ):
        if held * 10000 > per_unit * scale_bp:
            limit = per_unit * scale_bp // 10000
            yield Failure(
                reason=reason,
                message=(
                    f"{what} {format_eur(held)} > {format_eur(limit)} SAP ceiling "
                    f"({format_eur(per_unit)} times equivalence scale {scale.normalize():f})"
                ),
            )


def _permit_in_force(status: LegalStatus, today: date) -> bool:
    permit = status.permit
    if permit is None:
        return False
    return permit.renewal_pending or permit.valid_until is None or permit.valid_until >= today


def _sap_citizenship(facts: HouseholdFacts, rules: RegistryRules, today: date) -> Iterable[Failure]:
    status = facts.legal_status
    if status.citizenship != "non_eu" or status.equal_treatment_by_law:
        return
    permit = status.permit
    problem: str | None = None
    if permit is None:
        problem = "non-EU applicant without a residence permit"
    elif not _permit_in_force(status, today):
        problem = f"residence permit expired on {permit.valid_until}"
    elif permit.kind == "ordinary":
        years = rules.sap.permit_min_years
        long_enough = permit.valid_until is None or (
            add_years(permit.valid_from, years) <= permit.valid_until
        )
        if not long_enough:
            problem = f"residence permit valid less than {years} years"
        elif not status.regular_work:
            problem = f"a {years}-year residence permit also needs regular work"
    if problem is not None:
        yield Failure(reason=Reason.CITIZENSHIP_OR_PERMIT, message=problem)


def _regular_stay(facts: HouseholdFacts, rules: RegistryRules, today: date) -> Iterable[Failure]:
    status = facts.legal_status
    if not rules.agency.requires_regular_stay or status.citizenship != "non_eu":
        return
    if status.equal_treatment_by_law or _permit_in_force(status, today):
        return
    yield Failure(reason=Reason.NO_REGULAR_STAY, message="non-EU applicant without a valid permit")


def _in_ambito(facts: HouseholdFacts, rules: RegistryRules) -> bool:
    return bool({facts.residence_comune, facts.work_comune} & rules.ambito_comuni)


def _lombardy_link(facts: HouseholdFacts, rules: RegistryRules) -> Iterable[Failure]:
    if facts.resides_in_lombardy or facts.works_in_lombardy or _in_ambito(facts, rules):
        return
    yield Failure(
        reason=Reason.NO_TERRITORIAL_LINK,
        message="neither residence nor work in Lombardy at the application date",
    )


def _ambito_link(facts: HouseholdFacts, rules: RegistryRules) -> Iterable[Failure]:
    if _in_ambito(facts, rules):
        return
    yield Failure(
        reason=Reason.NO_TERRITORIAL_LINK,
        message=f"neither residence nor work in the {rules.ambito_name} at the application date",
    )


def _property(
    facts: HouseholdFacts, rules: RegistryRules, scope: PropertyScope
) -> Iterable[Failure]:
    minimum = rules.sap.adequacy_min_tenths(facts.size)
    for owned in facts.properties:
        if owned.location in _SCOPE_LOCATIONS[scope] and owned.surface_tenths >= minimum:
            yield Failure(
                reason=Reason.ADEQUATE_PROPERTY_OWNED,
                message=(
                    f"owns an adequate dwelling {_SCOPE_LABEL[scope]}: "
                    f"{format_m2(owned.surface_tenths)} ≥ {format_m2(minimum)} "
                    f"for a household of {facts.size}"
                ),
            )


def _exclusions(facts: HouseholdFacts, rules: RegistryRules, today: date) -> Iterable[Failure]:
    years = rules.sap.exclusion_lookback_years
    for event in facts.exclusion_events:
        if today < add_years(event.occurred_on, years):
            yield Failure(
                reason=Reason.RECENT_EXCLUSION_EVENT,
                message=(
                    f"{event.kind.replace('_', ' ')} on {event.occurred_on.isoformat()}, "
                    f"within the last {years} years"
                ),
            )


def _prior_ownership(facts: HouseholdFacts) -> Iterable[Failure]:
    prior = facts.prior_public_ownership
    if prior is not None and not prior.lost_without_compensation:
        yield Failure(
            reason=Reason.PRIOR_PUBLIC_OWNERSHIP,
            message="was assigned a publicly funded dwelling as owner",
        )


def _sap_borrowed(
    requirement: SapRequirement, facts: HouseholdFacts, rules: RegistryRules, today: date
) -> Iterable[Failure]:
    checks: dict[SapRequirement, Callable[[], Iterable[Failure]]] = {
        "territorial_link": lambda: _lombardy_link(facts, rules),
        "property": lambda: _property(facts, rules, "anywhere"),
        "exclusion": lambda: _exclusions(facts, rules, today),
        "prior_ownership": lambda: _prior_ownership(facts),
    }
    return checks[requirement]()


def assess(
    *, programme: Programme, facts: HouseholdFacts, rules: RegistryRules, today: date
) -> Assessment:
    """Check every requirement of `programme` on `today` and list each one that fails.

    Residence is tested only as a fact at the application date, never by its duration
    (C. cost. 44/2020). SAS applies its own ISEE band plus the SAP requirements the policy
    lists in `sas_applies_sap_requirements`.
    """
    failures: list[Failure] = list(_isee(facts, rules, today, programme))
    if programme is Programme.SAP:
        failures += _sap_citizenship(facts, rules, today)
        failures += _lombardy_link(facts, rules)
        failures += _sap_assets(facts, rules)
        failures += _property(facts, rules, "anywhere")
        failures += _exclusions(facts, rules, today)
        failures += _prior_ownership(facts)
    elif programme is Programme.SAS:
        for requirement in rules.sas.sap_requirements:
            failures += _sap_borrowed(requirement, facts, rules, today)
    else:
        failures += _regular_stay(facts, rules, today)
        failures += _ambito_link(facts, rules)
        failures += _property(facts, rules, rules.agency.property_scope)
    eligible_until = (
        rules.isee_valid_until(facts.isee.issued_on)
        if not failures and facts.isee is not None
        else None
    )
    return Assessment(
        programme=programme,
        failures=tuple(failures),
        eligible_until=eligible_until,
        policy_version=rules.policy_version,
    )


def assess_all(
    *, facts: HouseholdFacts, rules: RegistryRules, today: date
) -> dict[Programme, Assessment]:
    return {p: assess(programme=p, facts=facts, rules=rules, today=today) for p in Programme}
