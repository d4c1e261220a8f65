"""Other services' reason codes become plain message codes, never their detail."""

from __future__ import annotations

from typing import get_args

from notifications.catalog import BOUNDS, MessageKind
from notifications.reasons import (
    MATCHING_UNMATCHED,
    REGISTRY_ELIGIBILITY,
    EligibilityReason,
    NotMatchedReason,
    plain_eligibility_reasons,
    plain_unmatched_reason,
)
from notifications.rendering import render


def test_registry_codes_keep_figures_and_protected_grounds_out() -> None:
    codes = ["ISEE_ABOVE_MAX", "CITIZENSHIP_OR_PERMIT", "RECENT_EXCLUSION_EVENT", "ISEE_EXPIRED"]
    plain = plain_eligibility_reasons(codes, limit=BOUNDS.reasons_max)
    assert plain == ("ECONOMIC_LIMIT", "LEGAL_REQUIREMENT", "DOCUMENTS_MISSING")
    msg = render(
        MessageKind.ELIGIBILITY_OUTCOME,
        language="en",
        params={"programme": "sap", "outcome": "ineligible", "reasons": plain},
        channel="email",
    )
    for word in ("ISEE_ABOVE", "citizenship", "permit", "exclusion", "conviction"):
        assert word.lower() not in msg.text.lower()
    assert "above the programme's limit" in msg.text


def test_unknown_codes_say_other_and_stay_within_the_bound() -> None:
    many = [f"NEW_RULE_{i}" for i in range(30)] + list(REGISTRY_ELIGIBILITY)
    plain = plain_eligibility_reasons(many, limit=BOUNDS.reasons_max)
    assert plain[0] == "OTHER"
    assert len(plain) <= BOUNDS.reasons_max
    assert set(REGISTRY_ELIGIBILITY.values()) <= set(get_args(EligibilityReason))


def test_unmatched_codes_cover_the_explanations() -> None:
    assert set(MATCHING_UNMATCHED.values()) == set(get_args(NotMatchedReason))
    assert plain_unmatched_reason("NOT_SELECTED_ANY") == "NO_FEASIBLE_UNIT"
    assert plain_unmatched_reason("SOMETHING_NEW") == "NO_FEASIBLE_UNIT"
    assert plain_unmatched_reason("QUOTA") == "QUOTA"
