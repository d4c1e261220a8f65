"""The refusal policy of DOMAIN §4.8: default classes per reason code and their consequences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from registry.dates import add_months, add_years
from registry.facts import Programme
from registry.rules_policy import RefusalAction, RefusalClass, RegistryRules
from registry.status import HouseholdStatus
from shared.errors import Conflict


class RefusalReason(StrEnum):
    COST_ABOVE_HARD_CAP = "COST_ABOVE_HARD_CAP"
    UNIT_NOT_AS_DESCRIBED = "UNIT_NOT_AS_DESCRIBED"
    UNIT_UNSAFE = "UNIT_UNSAFE"
    HEALTH_INCOMPATIBLE = "HEALTH_INCOMPATIBLE"
    FAMILY_CHANGE = "FAMILY_CHANGE"
    WORK_OR_CARE_DISTANCE = "WORK_OR_CARE_DISTANCE"
    OTHER_SERIOUS_DOCUMENTED = "OTHER_SERIOUS_DOCUMENTED"
    PREFERENCE = "PREFERENCE"
    NO_RESPONSE = "NO_RESPONSE"
    VISIT_NO_SHOW = "VISIT_NO_SHOW"


class Basis(StrEnum):
    AUTOMATIC = "automatic"  # in the policy's auto_justified_reasons: no review
    CASEWORKER_CHECK = "caseworker_check"  # justified once a caseworker confirms the claim
    DOCUMENTS = "documents"  # justified once documents are on file
    CASEWORKER_DECISION = "caseworker_decision"  # no default: the caseworker decides
    DEFAULT = "default"  # applies unless the caseworker overrides it


R = RefusalReason

# DOMAIN §4.8's table; the reasons whose default is policy (no response, no-show, automatic
# justification) are read from the rules instead.
_TABLE: dict[RefusalReason, tuple[RefusalClass | None, Basis]] = {
    R.COST_ABOVE_HARD_CAP: (None, Basis.CASEWORKER_DECISION),
    R.UNIT_NOT_AS_DESCRIBED: ("justified", Basis.CASEWORKER_CHECK),
    R.UNIT_UNSAFE: ("justified", Basis.CASEWORKER_CHECK),
    R.HEALTH_INCOMPATIBLE: ("justified", Basis.DOCUMENTS),
    R.FAMILY_CHANGE: ("justified", Basis.DOCUMENTS),
    R.WORK_OR_CARE_DISTANCE: (None, Basis.CASEWORKER_DECISION),
    R.OTHER_SERIOUS_DOCUMENTED: (None, Basis.CASEWORKER_DECISION),
    R.PREFERENCE: ("unjustified", Basis.DEFAULT),
}
_NEEDS_CASEWORKER = frozenset({Basis.CASEWORKER_CHECK, Basis.DOCUMENTS, Basis.CASEWORKER_DECISION})


class DefaultClassification(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: RefusalReason
    provisional: RefusalClass | None  # None: pending until a caseworker decides
    basis: Basis

    @property
    def needs_caseworker(self) -> bool:
        return self.basis in _NEEDS_CASEWORKER


class ClassificationError(Conflict):
    """A refusal cannot be classified as asked (HTTP 409)."""

    problem_type = "refusal-classification"
    title = "The refusal cannot be classified this way"


def default_classification(
    *, reason: RefusalReason, rules: RegistryRules, cost_above_hard_cap: bool | None = None
) -> DefaultClassification:
    """The class a refusal gets before any caseworker decision.

    `cost_above_hard_cap` is the offer's HIGH_COST flag when known: a COST_ABOVE_HARD_CAP claim
    the figures contradict goes to the caseworker instead of being justified automatically.
    """
    contradicted = reason is R.COST_ABOVE_HARD_CAP and cost_above_hard_cap is False
    if reason.value in rules.refusal.auto_justified_reasons and not contradicted:
        return DefaultClassification(reason=reason, provisional="justified", basis=Basis.AUTOMATIC)
    provisional: RefusalClass | None
    if reason is R.NO_RESPONSE:
        provisional, basis = rules.refusal.no_response_counts_as, Basis.DEFAULT
    elif reason is R.VISIT_NO_SHOW:
        provisional, basis = rules.refusal.visit_no_show_counts_as, Basis.DEFAULT
    else:
        provisional, basis = _TABLE[reason]
    return DefaultClassification(reason=reason, provisional=provisional, basis=basis)


def final_classification(
    *, default: DefaultClassification, decision: RefusalClass | None
) -> RefusalClass:
    """The caseworker's decision where one is given or needed, else the default."""
    if default.basis is Basis.AUTOMATIC:
        if decision == "unjustified":
            # The hard-cap test is arithmetic on the offer, not a judgement to override.
            raise ClassificationError(f"{default.reason} is justified automatically by policy")
        return "justified"
    if decision is not None:
        return decision
    if default.needs_caseworker or default.provisional is None:
        raise ClassificationError(f"{default.reason} needs a caseworker's classification")
    return default.provisional


class RefusalConsequence(BaseModel):
    """What a classified refusal does; the refused pair is never proposed again either way."""

    model_config = ConfigDict(frozen=True)

    classification: RefusalClass
    unjustified_in_window: int  # this one included; 0 when justified
    action: RefusalAction
    target_status: HouseholdStatus  # the caller transitions to it when it differs
    until: date | None
    message: str


def _rule_set(programme: Programme, rules: RegistryRules) -> Literal["sap", "agency"]:
    if programme is Programme.SAS:
        return "sap" if rules.sas.matching_mode == "graduatoria" else "agency"
    return "sap" if programme is Programme.SAP else "agency"


def unjustified_in_window(
    *, refused_on: date, earlier_unjustified_on: Sequence[date], window_months: int
) -> int:
    """Earlier unjustified refusals inside the window ending on `refused_on`, plus this one."""
    start = add_months(refused_on, -window_months)
    return 1 + sum(start < d <= refused_on for d in earlier_unjustified_on)


def refusal_consequence(
    *,
    programme: Programme,
    classification: RefusalClass,
    refused_on: date,
    earlier_unjustified_on: Sequence[date],
    today: date,
    rules: RegistryRules,
) -> RefusalConsequence:
    """Apply §4.8: a justified refusal costs nothing; unjustified ones escalate per programme.

    Suspension and exclusion run from `today`, the day the classification is recorded.
    """
    policy = rules.refusal
    if classification == "justified":
        return RefusalConsequence(
            classification=classification,
            unjustified_in_window=0,
            action="none",
            target_status=HouseholdStatus.ELIGIBLE,
            until=None,
            message="justified refusal: position, priority and waiting time kept",
        )
    count = unjustified_in_window(
        refused_on=refused_on,
        earlier_unjustified_on=earlier_unjustified_on,
        window_months=policy.count_window_months,
    )
    which = _rule_set(programme, rules)
    first, second = (
        (policy.sap_first_unjustified, policy.sap_second_unjustified)
        if which == "sap"
        else (policy.agency_first_unjustified, policy.agency_second_unjustified)
    )
    action = first if count == 1 else second
    ordinal = "first" if count == 1 else "second"
    within = f"{ordinal} unjustified refusal within {policy.count_window_months} months"
    if action == "suspend":
        until = today + timedelta(days=policy.agency_suspension_days)
        status, text = HouseholdStatus.SUSPENDED, f"suspended until {until.isoformat()}"
    elif action == "exclude":
        until = add_years(today, policy.exclusion_ban_years)
        status, text = HouseholdStatus.EXCLUDED, f"excluded until {until.isoformat()}"
    elif action == "remove_from_graduatoria":
        until, status, text = None, HouseholdStatus.WITHDRAWN, "removed from the graduatoria"
    else:
        until, status, text = None, HouseholdStatus.ELIGIBLE, "no sanction"
    return RefusalConsequence(
        classification=classification,
        unjustified_in_window=count,
        action=action,
        target_status=status,
        until=until,
        message=f"{within}: {text}",
    )
