"""The agency/SAS priority score from the [priority] weights, explained line by line (§4.5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from registry.dates import age_on
from registry.facts import AGE_OF_MAJORITY, HouseholdFacts, HousingCondition, Member, Relation
from registry.rules_policy import PriorityRules

_COUPLE = frozenset({Relation.SPOUSE, Relation.PARTNER})
_OVERCROWDED = frozenset({HousingCondition.OVERCROWDED, HousingCondition.COHABITATION})
_IMPROPER = frozenset(
    {HousingCondition.IMPROPER, HousingCondition.UNHEALTHY, HousingCondition.HOMELESS}
)


class PriorityLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    points: int
    message: str


class Priority(BaseModel):
    """The score matching sees, and for the caseworker the lines that make it up."""

    model_config = ConfigDict(frozen=True)

    score: int
    uncapped_total: int
    lines: tuple[PriorityLine, ...]
    isbar: Decimal | None  # SAP order, as given by the regional platform; never recomputed

    @property
    def explanation(self) -> list[str]:
        text = [f"{line.message}: +{line.points}" for line in self.lines]
        if self.score < self.uncapped_total:
            text.append(f"total {self.uncapped_total} capped at {self.score}")
        else:
            text.append(f"total {self.score}")
        if self.isbar is not None:
            text.append(f"ISBAR {self.isbar} as given by the regional platform (SAP order)")
        return text


def _disability_line(members: tuple[Member, ...], rules: PriorityRules) -> PriorityLine | None:
    # One line for the household's most severe member: points do not add up per member.
    if any(
        m.severe_handicap or m.disability_pct >= rules.disability_severe_min_pct for m in members
    ):
        return PriorityLine(
            code="disability_severe",
            points=rules.disability_severe,
            message=(
                f"member with a disability of {rules.disability_severe_min_pct} % "
                "or a severe handicap"
            ),
        )
    top = max(m.disability_pct for m in members)
    if top >= rules.disability_other_min_pct:
        return PriorityLine(
            code="disability_other",
            points=rules.disability_other,
            message=f"member with a disability of {rules.disability_other_min_pct} % or more",
        )
    return None


def _age_line(ages: list[int], rules: PriorityRules) -> PriorityLine | None:
    eldest = max(ages)
    tiers = [age for age in sorted(rules.age_points, reverse=True) if eldest >= age]
    if not tiers:
        return None
    return PriorityLine(
        code=f"age_{tiers[0]}_plus",
        points=rules.age_points[tiers[0]],
        message=f"member aged {tiers[0]} or over",
    )


def _single_parent(facts: HouseholdFacts, today: date) -> bool:
    """An applicant without spouse or partner living with at least one minor child."""
    has_minor_child = any(
        m.relation is Relation.CHILD
        and age_on(birth_date=m.birth_date, today=today) < AGE_OF_MAJORITY
        for m in facts.members
    )
    return has_minor_child and not any(m.relation in _COUPLE for m in facts.members)


def compute_priority(*, facts: HouseholdFacts, rules: PriorityRules, today: date) -> Priority:
    """Sum the points of each need category, then cap at `priority_score_max`.

    Disability counts once (the most severe tier), age once (the highest tier reached by any
    member). Residence duration never scores here (C. cost. 44/2020); ISBAR passes through
    untouched because the regional platform owns its formula.
    """
    lines: list[PriorityLine | None] = []
    if facts.eviction is not None:
        kind = "release order" if facts.eviction.kind == "release_order" else "eviction order"
        lines.append(
            PriorityLine(
                code="eviction_or_release_order",
                points=rules.eviction_or_release_order,
                message=f"{kind} of {facts.eviction.ordered_on.isoformat()}",
            )
        )
    lines.append(_disability_line(facts.members, rules))
    lines.append(_age_line(facts.ages(today=today), rules))
    if _single_parent(facts, today):
        lines.append(
            PriorityLine(
                code="single_parent_with_minors",
                points=rules.single_parent_with_minors,
                message="single parent with minor children",
            )
        )
    if facts.housing_condition in _OVERCROWDED:
        lines.append(
            PriorityLine(
                code="overcrowding_or_cohabitation",
                points=rules.overcrowding_or_cohabitation,
                message=f"current housing: {facts.housing_condition.value}",
            )
        )
    if facts.housing_condition in _IMPROPER:
        lines.append(
            PriorityLine(
                code="improper_or_unhealthy_dwelling",
                points=rules.improper_or_unhealthy_dwelling,
                message=f"current housing: {facts.housing_condition.value}",
            )
        )
    if facts.new_family:
        lines.append(PriorityLine(code="new_family", points=rules.new_family, message="new family"))
    if facts.social_services_referral:
        lines.append(
            PriorityLine(
                code="social_services_referral",
                points=rules.social_services_referral,
                message="referred by social services",
            )
        )
    kept = tuple(line for line in lines if line is not None)
    total = sum(line.points for line in kept)
    return Priority(
        score=min(total, rules.score_max),
        uncapped_total=total,
        lines=kept,
        isbar=facts.isbar,
    )
