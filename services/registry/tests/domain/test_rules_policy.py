"""Reading the registry's policy sections: exact integers, and bad policies refused at load."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from registry.rules_policy import RegistryRules, load_registry_rules
from shared.policy import PolicyError


def _default_text() -> str:
    return (resources.files("shared") / "config" / "policy.toml").read_text(encoding="utf-8")


def _edited(tmp_path: Path, pattern: str, replacement: str) -> Path:
    """The default policy with one line changed (a regex anchored on the key)."""
    text, count = re.subn(pattern, replacement, _default_text(), count=1, flags=re.M)
    assert count == 1, pattern
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _after_section(section: str, line: str) -> tuple[str, str]:
    return rf"^\[{re.escape(section)}\]$", f"[{section}]\n{line}"


def test_defaults_as_exact_integers(rules: RegistryRules) -> None:
    assert rules.sap.isee_max_cents == 1_600_000
    assert rules.sap.financial_assets_max_cents == 1_600_000
    assert rules.sap.real_estate_assets_max_cents == 2_200_000
    assert rules.sap.property_adequacy_min_tenths == {
        1: 450,
        2: 450,
        3: 600,
        4: 600,
        5: 750,
        6: 750,
        7: 950,
    }
    assert rules.sas.isee_max_cents == rules.agency.isee_max_cents == 4_000_000
    assert rules.agency.property_scope == "province"
    assert rules.refusal.count_window_months == 24
    assert rules.refusal.auto_justified_reasons == frozenset({"COST_ABOVE_HARD_CAP"})
    assert rules.sas.sap_requirements == (
        "territorial_link",
        "property",
        "exclusion",
        "prior_ownership",
    )
    assert len(rules.ambito_comuni) == 47
    assert "Cremona" in rules.ambito_comuni
    assert rules.ambito_name == "Ambito di Cremona"


@pytest.mark.parametrize("size", [7, 8, 12])
def test_highest_size_key_means_that_size_or_more(rules: RegistryRules, size: int) -> None:
    assert rules.sap.adequacy_min_tenths(size) == 950


def test_isee_validity_ends_on_31_december(rules: RegistryRules) -> None:
    assert rules.isee_valid_until(date(2026, 1, 15)) == date(2026, 12, 31)
    assert rules.isee_valid_until(date(2026, 12, 31)) == date(2026, 12, 31)


def test_decimal_shares_and_amounts_are_exact(tmp_path: Path) -> None:
    path = _edited(
        tmp_path, r"^affordability_max_share = 0\.30", "affordability_max_share = 0.3333"
    )
    assert load_registry_rules(path).affordability.max_share_bp == 3333
    path = _edited(tmp_path, r"^sap_isee_max = 16000", "sap_isee_max = 16000.50")
    assert load_registry_rules(path).sap.isee_max_cents == 1_600_050
    path = _edited(tmp_path, r'^"1" = 45 ', '"1" = 45.5 ')
    assert load_registry_rules(path).sap.property_adequacy_min_tenths[1] == 455


@pytest.mark.parametrize(
    ("pattern", "replacement", "message"),
    [
        (r"^affordability_max_share = 0\.30", "affordability_max_share = 0.33335", "basis point"),
        (r"^sap_isee_max = 16000", "sap_isee_max = 16000.005", "two decimals"),
        (r'^"1" = 45 ', '"1" = 45.55 ', "tenth"),
        (r"^sap_isee_max = 16000.*$", "", "sap_isee_max"),
        (r"^sap_permit_min_years = 2", "sap_permit_min_years = true", "integer"),
        (
            r"^sap_territorial_link = .*$",
            'sap_territorial_link = "five_years_residence_in_lombardy"',
            "territorial_link",
        ),
        (r'^agency_property_scope = "province"', 'agency_property_scope = "moon"', "scope"),
        (r'^agency_first_unjustified = "suspend"', 'agency_first_unjustified = "fine"', "first"),
        (r"^agency_suspension_days = 90", "agency_suspension_days = 0", "suspension"),
        (r'^no_response_counts_as = "unjustified"', 'no_response_counts_as = "maybe"', "no_resp"),
        (r"^isee_validity = .*$", 'isee_validity = "forever"', "isee_validity"),
        (r'^sas_matching_mode = "agency"', 'sas_matching_mode = "lottery"', "matching_mode"),
        (r"^disability_severe = 25", "disability_severe = 25.5", "integer"),
    ],
)
def test_bad_policies_are_refused_at_load(
    tmp_path: Path, pattern: str, replacement: str, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        load_registry_rules(_edited(tmp_path, pattern, replacement))


def test_residence_duration_keys_are_refused_by_the_shared_loader(tmp_path: Path) -> None:
    pattern, line = _after_section("eligibility_agency", "agency_min_residence_years = 5")
    with pytest.raises(PolicyError, match="years of residence"):
        load_registry_rules(_edited(tmp_path, pattern, line))


def test_share_above_hard_cap_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, r"^affordability_max_share = 0\.30", "affordability_max_share = 0.45")
    with pytest.raises(PolicyError, match="hard_cap"):
        load_registry_rules(path)


def test_disability_tiers_come_from_the_policy(tmp_path: Path) -> None:
    path = _edited(tmp_path, r"^disability_other_min_pct = 66", "disability_other_min_pct = 74")
    rules = load_registry_rules(path)
    assert rules.priority.disability_other_min_pct == 74
    assert rules.priority.disability_severe_min_pct == 100


def test_age_tiers_follow_the_keys(tmp_path: Path) -> None:
    path = _edited(tmp_path, r"^age_75_plus = 15", "age_80_plus = 18")
    assert load_registry_rules(path).priority.age_points == {80: 18, 65: 10}


def test_sas_borrowed_requirements_can_be_set(tmp_path: Path) -> None:
    pattern, line = _after_section("eligibility_sas", 'sas_applies_sap_requirements = ["property"]')
    assert load_registry_rules(_edited(tmp_path, pattern, line)).sas.sap_requirements == (
        "property",
    )
    pattern, line = _after_section(
        "eligibility_sas", 'sas_applies_sap_requirements = ["citizenship"]'
    )
    with pytest.raises(PolicyError, match="sap_requirements"):
        load_registry_rules(_edited(tmp_path, pattern, line))
