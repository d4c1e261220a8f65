"""The agency/SAS priority score: one line per category, tiers not cumulative, capped, ISBAR as given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from registry.facts import Eviction, HouseholdFacts, HousingCondition, Member, Relation
from registry.priority import compute_priority
from registry.rules_policy import PriorityRules, RegistryRules

MakeFacts = Callable[..., HouseholdFacts]
ADULT = Member(birth_date=date(1980, 5, 17), relation=Relation.APPLICANT)


@pytest.fixture
def pr(rules: RegistryRules) -> PriorityRules:
    return rules.priority


def _codes(facts: HouseholdFacts, pr: PriorityRules, today: date) -> dict[str, int]:
    return {
        line.code: line.points
        for line in compute_priority(facts=facts, rules=pr, today=today).lines
    }


def test_no_need_scores_zero(make_facts: MakeFacts, pr: PriorityRules, today: date) -> None:
    p = compute_priority(facts=make_facts(), rules=pr, today=today)
    assert p.score == 0
    assert p.lines == ()
    assert p.explanation == ["total 0"]
    assert p.isbar is None


def test_policy_weights_are_read(pr: PriorityRules) -> None:
    assert pr.age_points == {75: 15, 65: 10}
    assert (pr.disability_severe_min_pct, pr.disability_other_min_pct) == (100, 66)
    assert pr.score_max == 100


def test_eviction(make_facts: MakeFacts, pr: PriorityRules, today: date) -> None:
    facts = make_facts(eviction=Eviction(kind="sfratto", ordered_on=date(2026, 9, 1)))
    p = compute_priority(facts=facts, rules=pr, today=today)
    assert p.score == pr.eviction_or_release_order == 30
    assert p.explanation == ["eviction order of 2026-09-01: +30", "total 30"]
    release = make_facts(eviction=Eviction(kind="release_order", ordered_on=date(2026, 9, 1)))
    lines = compute_priority(facts=release, rules=pr, today=today).lines
    assert lines[0].message == "release order of 2026-09-01"


@pytest.mark.parametrize(
    ("pct", "severe", "expected"),
    [
        (0, False, {}),
        (65, False, {}),
        (66, False, {"disability_other": 15}),
        (99, False, {"disability_other": 15}),
        (100, False, {"disability_severe": 25}),
        (50, True, {"disability_severe": 25}),  # L. 104/1992 art. 3 c.3
    ],
)
def test_disability_tiers(
    make_facts: MakeFacts,
    pr: PriorityRules,
    today: date,
    pct: int,
    severe: bool,
    expected: dict[str, int],
) -> None:
    member = Member(
        birth_date=date(1990, 1, 1),
        relation=Relation.SIBLING,
        disability_pct=pct,
        severe_handicap=severe,
    )
    assert _codes(make_facts(members=(ADULT, member)), pr, today) == expected


def test_disability_counts_once_for_the_most_severe_member(
    make_facts: MakeFacts, pr: PriorityRules, today: date
) -> None:
    members = (
        ADULT.model_copy(update={"disability_pct": 70}),
        Member(birth_date=date(1990, 1, 1), relation=Relation.SPOUSE, disability_pct=100),
        Member(birth_date=date(2015, 1, 1), relation=Relation.CHILD, disability_pct=80),
    )
    assert _codes(make_facts(members=members), pr, today) == {"disability_severe": 25}


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (date(1961, 11, 26), {}),  # 64, turns 65 tomorrow
        (date(1961, 11, 25), {"age_65_plus": 10}),  # 65 today
        (date(1951, 11, 26), {"age_65_plus": 10}),  # 74
        (date(1951, 11, 25), {"age_75_plus": 15}),  # 75 today: not 10 + 15
    ],
)
def test_age_tiers_are_not_cumulative(
    make_facts: MakeFacts, pr: PriorityRules, today: date, birth: date, expected: dict[str, int]
) -> None:
    parent = Member(birth_date=birth, relation=Relation.PARENT)
    assert _codes(make_facts(members=(ADULT, parent)), pr, today) == expected


@pytest.mark.parametrize(
    ("others", "single_parent"),
    [
        ((Member(birth_date=date(2015, 1, 1), relation=Relation.CHILD),), True),
        ((Member(birth_date=date(2008, 11, 25), relation=Relation.CHILD),), False),  # 18 today
        ((Member(birth_date=date(2008, 11, 26), relation=Relation.CHILD),), True),  # 17
        (
            (
                Member(birth_date=date(2015, 1, 1), relation=Relation.CHILD),
                Member(birth_date=date(1982, 1, 1), relation=Relation.PARTNER),
            ),
            False,
        ),
        (
            (
                Member(birth_date=date(2015, 1, 1), relation=Relation.CHILD),
                Member(birth_date=date(1982, 1, 1), relation=Relation.SPOUSE),
            ),
            False,
        ),
        ((Member(birth_date=date(2015, 1, 1), relation=Relation.GRANDCHILD),), False),
    ],
)
def test_single_parent_with_minors(
    make_facts: MakeFacts,
    pr: PriorityRules,
    today: date,
    others: tuple[Member, ...],
    single_parent: bool,
) -> None:
    codes = _codes(make_facts(members=(ADULT, *others)), pr, today)
    assert ("single_parent_with_minors" in codes) is single_parent


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        (HousingCondition.ADEQUATE, None),
        (HousingCondition.OVERCROWDED, "overcrowding_or_cohabitation"),
        (HousingCondition.COHABITATION, "overcrowding_or_cohabitation"),
        (HousingCondition.IMPROPER, "improper_or_unhealthy_dwelling"),
        (HousingCondition.UNHEALTHY, "improper_or_unhealthy_dwelling"),
        (HousingCondition.HOMELESS, "improper_or_unhealthy_dwelling"),
    ],
)
def test_housing_condition(
    make_facts: MakeFacts,
    pr: PriorityRules,
    today: date,
    condition: HousingCondition,
    code: str | None,
) -> None:
    codes = _codes(make_facts(housing_condition=condition), pr, today)
    assert codes == ({code: 10} if code else {})


def test_flags(make_facts: MakeFacts, pr: PriorityRules, today: date) -> None:
    facts = make_facts(new_family=True, social_services_referral=True)
    assert _codes(facts, pr, today) == {"new_family": 5, "social_services_referral": 10}


def test_sum_is_capped_and_explained_line_by_line(
    make_facts: MakeFacts, pr: PriorityRules, today: date
) -> None:
    members = (
        ADULT.model_copy(update={"disability_pct": 100}),
        Member(birth_date=date(1940, 1, 1), relation=Relation.PARENT),
        Member(birth_date=date(2016, 1, 1), relation=Relation.CHILD),
    )
    facts = make_facts(
        members=members,
        eviction=Eviction(kind="sfratto", ordered_on=date(2026, 10, 1), no_fault=True),
        housing_condition=HousingCondition.OVERCROWDED,
        new_family=True,
        social_services_referral=True,
    )
    p = compute_priority(facts=facts, rules=pr, today=today)
    # 30 + 25 + 15 + 15 + 10 + 5 + 10 = 110, capped at 100
    assert p.uncapped_total == 110
    assert p.score == 100
    assert p.explanation == [
        "eviction order of 2026-10-01: +30",
        "member with a disability of 100 % or a severe handicap: +25",
        "member aged 75 or over: +15",
        "single parent with minor children: +15",
        "current housing: overcrowded: +10",
        "new family: +5",
        "referred by social services: +10",
        "total 110 capped at 100",
    ]


def test_weights_come_from_policy(make_facts: MakeFacts, pr: PriorityRules, today: date) -> None:
    custom = pr.model_copy(update={"new_family": 7, "age_points": {80: 20, 60: 3}})
    parent = Member(birth_date=date(1962, 1, 1), relation=Relation.PARENT)  # 64
    facts = make_facts(members=(ADULT, parent), new_family=True)
    assert _codes(facts, custom, today) == {"new_family": 7, "age_60_plus": 3}


def test_isbar_is_passed_through_untouched(
    make_facts: MakeFacts, pr: PriorityRules, today: date
) -> None:
    p = compute_priority(facts=make_facts(isbar=Decimal("57.35")), rules=pr, today=today)
    assert p.isbar == Decimal("57.35")
    assert p.score == 0  # the agency score is still computed from the categories
    assert p.explanation[-1] == "ISBAR 57.35 as given by the regional platform (SAP order)"
