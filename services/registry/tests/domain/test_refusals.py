"""The refusal policy of DOMAIN §4.8: default classes per code, caseworker decisions, sanctions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.dates import add_years
from registry.facts import Programme
from registry.refusals import (
    Basis,
    ClassificationError,
    RefusalReason,
    default_classification,
    final_classification,
    refusal_consequence,
    unjustified_in_window,
)
from registry.rules_policy import RefusalClass, RegistryRules
from registry.status import HouseholdStatus, ProgrammeStatus, can_transition, transition

R = RefusalReason
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("reason", "provisional", "basis"),
    [
        (R.COST_ABOVE_HARD_CAP, "justified", Basis.AUTOMATIC),
        (R.UNIT_NOT_AS_DESCRIBED, "justified", Basis.CASEWORKER_CHECK),
        (R.UNIT_UNSAFE, "justified", Basis.CASEWORKER_CHECK),
        (R.HEALTH_INCOMPATIBLE, "justified", Basis.DOCUMENTS),
        (R.FAMILY_CHANGE, "justified", Basis.DOCUMENTS),
        (R.WORK_OR_CARE_DISTANCE, None, Basis.CASEWORKER_DECISION),
        (R.OTHER_SERIOUS_DOCUMENTED, None, Basis.CASEWORKER_DECISION),
        (R.PREFERENCE, "unjustified", Basis.DEFAULT),
        (R.NO_RESPONSE, "unjustified", Basis.DEFAULT),
        (R.VISIT_NO_SHOW, "unjustified", Basis.DEFAULT),
    ],
)
def test_default_class_per_reason_code(
    rules: RegistryRules, reason: RefusalReason, provisional: RefusalClass | None, basis: Basis
) -> None:
    default = default_classification(reason=reason, rules=rules)
    assert (default.provisional, default.basis) == (provisional, basis)


def test_no_response_and_no_show_classes_come_from_policy(rules: RegistryRules) -> None:
    lenient = rules.model_copy(
        update={
            "refusal": rules.refusal.model_copy(
                update={
                    "no_response_counts_as": "justified",
                    "visit_no_show_counts_as": "justified",
                }
            )
        }
    )
    for reason in (R.NO_RESPONSE, R.VISIT_NO_SHOW):
        assert default_classification(reason=reason, rules=lenient).provisional == "justified"


def test_auto_justified_list_comes_from_policy(rules: RegistryRules) -> None:
    none_auto = rules.model_copy(
        update={"refusal": rules.refusal.model_copy(update={"auto_justified_reasons": frozenset()})}
    )
    default = default_classification(reason=R.COST_ABOVE_HARD_CAP, rules=none_auto)
    assert default.basis is Basis.CASEWORKER_DECISION
    also_unsafe = rules.model_copy(
        update={
            "refusal": rules.refusal.model_copy(
                update={"auto_justified_reasons": frozenset({"UNIT_UNSAFE"})}
            )
        }
    )
    assert default_classification(reason=R.UNIT_UNSAFE, rules=also_unsafe).basis is Basis.AUTOMATIC


def test_cost_claim_contradicted_by_the_figures_goes_to_the_caseworker(
    rules: RegistryRules,
) -> None:
    flagged = default_classification(
        reason=R.COST_ABOVE_HARD_CAP, rules=rules, cost_above_hard_cap=True
    )
    assert flagged.basis is Basis.AUTOMATIC
    contradicted = default_classification(
        reason=R.COST_ABOVE_HARD_CAP, rules=rules, cost_above_hard_cap=False
    )
    assert contradicted.basis is Basis.CASEWORKER_DECISION
    with pytest.raises(ClassificationError):
        final_classification(default=contradicted, decision=None)


def test_final_classification(rules: RegistryRules) -> None:
    auto = default_classification(reason=R.COST_ABOVE_HARD_CAP, rules=rules)
    assert final_classification(default=auto, decision=None) == "justified"
    assert final_classification(default=auto, decision="justified") == "justified"
    with pytest.raises(ClassificationError, match="automatically") as info:
        final_classification(default=auto, decision="unjustified")
    assert info.value.status == 409

    for reason in (R.UNIT_UNSAFE, R.HEALTH_INCOMPATIBLE, R.WORK_OR_CARE_DISTANCE):
        default = default_classification(reason=reason, rules=rules)
        with pytest.raises(ClassificationError, match="needs a caseworker"):
            final_classification(default=default, decision=None)
        assert final_classification(default=default, decision="unjustified") == "unjustified"
        assert final_classification(default=default, decision="justified") == "justified"

    preference = default_classification(reason=R.PREFERENCE, rules=rules)
    assert final_classification(default=preference, decision=None) == "unjustified"
    # A documented no-show is the caseworker's override of the default.
    no_show = default_classification(reason=R.VISIT_NO_SHOW, rules=rules)
    assert final_classification(default=no_show, decision="justified") == "justified"


def test_window_counting_boundaries() -> None:
    refused = date(2026, 11, 25)
    assert (
        unjustified_in_window(refused_on=refused, earlier_unjustified_on=[], window_months=24) == 1
    )
    inside = [date(2024, 11, 26)]
    assert (
        unjustified_in_window(refused_on=refused, earlier_unjustified_on=inside, window_months=24)
        == 2
    )
    edge = [date(2024, 11, 25)]  # exactly 24 months before: outside
    assert (
        unjustified_in_window(refused_on=refused, earlier_unjustified_on=edge, window_months=24)
        == 1
    )
    later = [date(2026, 11, 26)]  # recorded after this refusal: not an earlier one
    assert (
        unjustified_in_window(refused_on=refused, earlier_unjustified_on=later, window_months=24)
        == 1
    )


def _consequence(
    rules: RegistryRules,
    programme: Programme,
    classification: RefusalClass,
    earlier: list[date],
) -> tuple[str, HouseholdStatus, date | None, int]:
    c = refusal_consequence(
        programme=programme,
        classification=classification,
        refused_on=TODAY - timedelta(days=2),
        earlier_unjustified_on=earlier,
        today=TODAY,
        rules=rules,
    )
    return c.action, c.target_status, c.until, c.unjustified_in_window


@pytest.mark.parametrize("programme", list(Programme))
def test_justified_refusal_costs_nothing(rules: RegistryRules, programme: Programme) -> None:
    assert _consequence(rules, programme, "justified", [date(2026, 1, 1)]) == (
        "none",
        HouseholdStatus.ELIGIBLE,
        None,
        0,
    )


@pytest.mark.parametrize("programme", [Programme.AGENCY, Programme.SAS])
def test_agency_first_unjustified_suspends_second_excludes(
    rules: RegistryRules, programme: Programme
) -> None:
    # SAS follows the agency rules while sas_matching_mode = "agency".
    first = _consequence(rules, programme, "unjustified", [])
    assert first == ("suspend", HouseholdStatus.SUSPENDED, TODAY + timedelta(days=90), 1)
    second = _consequence(rules, programme, "unjustified", [date(2025, 6, 1)])
    assert second == ("exclude", HouseholdStatus.EXCLUDED, add_years(TODAY, 2), 2)
    stale = _consequence(rules, programme, "unjustified", [date(2024, 6, 1)])
    assert stale[0] == "suspend"


@pytest.mark.parametrize("programme", [Programme.SAP, Programme.SAS])
def test_sap_first_unjustified_removes_second_excludes(
    rules: RegistryRules, programme: Programme
) -> None:
    if programme is Programme.SAS:
        graduatoria = rules.sas.model_copy(update={"matching_mode": "graduatoria"})
        rules = rules.model_copy(update={"sas": graduatoria})
    first = _consequence(rules, programme, "unjustified", [])
    assert first == ("remove_from_graduatoria", HouseholdStatus.WITHDRAWN, None, 1)
    third = _consequence(rules, programme, "unjustified", [date(2025, 6, 1), date(2026, 3, 1)])
    assert third == ("exclude", HouseholdStatus.EXCLUDED, add_years(TODAY, 2), 3)


def test_consequence_message(rules: RegistryRules) -> None:
    c = refusal_consequence(
        programme=Programme.AGENCY,
        classification="unjustified",
        refused_on=TODAY,
        earlier_unjustified_on=[],
        today=TODAY,
        rules=rules,
    )
    assert c.message == "first unjustified refusal within 24 months: suspended until 2027-02-23"


def test_a_none_action_in_policy_means_no_sanction(rules: RegistryRules) -> None:
    mild = rules.model_copy(
        update={"refusal": rules.refusal.model_copy(update={"agency_first_unjustified": "none"})}
    )
    assert _consequence(mild, Programme.AGENCY, "unjustified", []) == (
        "none",
        HouseholdStatus.ELIGIBLE,
        None,
        1,
    )


@pytest.mark.parametrize("programme", list(Programme))
@pytest.mark.parametrize("earlier", [[], [date(2026, 1, 1)]])
def test_consequences_are_legal_transitions_from_offered(
    rules: RegistryRules, programme: Programme, earlier: list[date]
) -> None:
    c = refusal_consequence(
        programme=programme,
        classification="unjustified",
        refused_on=TODAY,
        earlier_unjustified_on=earlier,
        today=TODAY,
        rules=rules,
    )
    assert can_transition(HouseholdStatus.OFFERED, c.target_status)
    state = transition(
        state=ProgrammeStatus(status=HouseholdStatus.OFFERED),
        to=c.target_status,
        today=TODAY,
        until=c.until,
    )
    assert state.until == c.until
