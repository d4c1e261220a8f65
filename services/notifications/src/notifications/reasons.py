"""Plain-language reason codes of messages, and the translation from other services' codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, TypeVar

# What a household may read about its eligibility: the requirement, never the figure or the
# special-category fact behind it (DOMAIN.md §5.4).
EligibilityReason = Literal[
    "ECONOMIC_LIMIT",  # ISEE, assets or property above the programme's limit
    "BELOW_PROGRAMME_MINIMUM",  # e.g. SAS with a minimum ISEE: another programme may suit
    "TERRITORIAL_LINK",
    "DOCUMENTS_MISSING",
    "LEGAL_REQUIREMENT",  # permits, past records: never said which (R and J data)
    "OTHER",
]
NotMatchedReason = Literal["NO_FEASIBLE_UNIT", "OUTRANKED", "LOST_TIE_LOTTERY", "QUOTA"]
WithdrawnReason = Literal["UNIT_NO_LONGER_AVAILABLE", "APPLICATION_STATUS_CHANGED", "OTHER"]
HouseholdStatus = Literal["suspended", "excluded"]
StatusReason = Literal["OFFER_RULES", "DOCUMENTS_EXPIRED", "REQUIREMENTS_NOT_MET", "OTHER"]
UnitRejectedReason = Literal[
    "OUTSIDE_AMBITO",
    "RENT_OUTSIDE_BAND",
    "DOCUMENTS_MISSING",
    "NOT_HABITABLE",
    "NOT_RESIDENTIAL",
    "FILTER_NOT_ALLOWED",
    "OTHER",
]
LandlordAnswer = Literal["accepted", "declined"]

# The registry's eligibility codes (registry/eligibility.py). A code missing here says "OTHER",
# so a new registry rule can never put its detail into a message by accident.
REGISTRY_ELIGIBILITY: Mapping[str, EligibilityReason] = {
    "ISEE_ABOVE_MAX": "ECONOMIC_LIMIT",
    "FINANCIAL_ASSETS_ABOVE_MAX": "ECONOMIC_LIMIT",
    "REAL_ESTATE_ASSETS_ABOVE_MAX": "ECONOMIC_LIMIT",
    "ADEQUATE_PROPERTY_OWNED": "ECONOMIC_LIMIT",
    "ISEE_BELOW_MIN": "BELOW_PROGRAMME_MINIMUM",
    "NO_TERRITORIAL_LINK": "TERRITORIAL_LINK",
    "ISEE_MISSING": "DOCUMENTS_MISSING",
    "ISEE_EXPIRED": "DOCUMENTS_MISSING",
    "ISEE_DATE_IN_FUTURE": "DOCUMENTS_MISSING",
    "CITIZENSHIP_OR_PERMIT": "LEGAL_REQUIREMENT",
    "NO_REGULAR_STAY": "LEGAL_REQUIREMENT",
    "RECENT_EXCLUSION_EVENT": "LEGAL_REQUIREMENT",
    "PRIOR_PUBLIC_OWNERSHIP": "LEGAL_REQUIREMENT",
}

# The matching explanation's codes (DOMAIN.md §4.10); SAP's NOT_SELECTED_ANY reads as "no unit".
MATCHING_UNMATCHED: Mapping[str, NotMatchedReason] = {
    "NO_FEASIBLE_UNIT": "NO_FEASIBLE_UNIT",
    "NOT_SELECTED_ANY": "NO_FEASIBLE_UNIT",
    "OUTRANKED": "OUTRANKED",
    "LOST_TIE_LOTTERY": "LOST_TIE_LOTTERY",
    "QUOTA": "QUOTA",
}

_R = TypeVar("_R", bound=str)


def plain_reasons(
    codes: Iterable[str], *, mapping: Mapping[str, _R], default: _R, limit: int
) -> tuple[_R, ...]:
    """Other services' codes as message codes: unknown ones become `default`, duplicates merge,
    order is kept, and at most `limit` remain (the params bound)."""
    plain = dict.fromkeys(mapping.get(code, default) for code in codes)
    return tuple(plain)[:limit]


def plain_eligibility_reasons(codes: Iterable[str], *, limit: int) -> tuple[EligibilityReason, ...]:
    return plain_reasons(codes, mapping=REGISTRY_ELIGIBILITY, default="OTHER", limit=limit)


def plain_unmatched_reason(code: str) -> NotMatchedReason:
    """An unknown code falls back to the mildest true statement: no suitable unit this round."""
    return MATCHING_UNMATCHED.get(code, "NO_FEASIBLE_UNIT")
