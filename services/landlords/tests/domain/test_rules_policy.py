"""The typed policy view: exact integers, and refusal of inconsistent sections."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from landlords.rules_policy import LandlordsRules, rules_from_policy
from shared.policy import Policy, PolicyError


def _patched(rules: LandlordsRules, section: str, **values: Any) -> Policy:
    raw = copy.deepcopy(rules.policy.raw)
    raw[section].update(values)
    return Policy(raw=raw, comuni=rules.policy.comuni)


def test_values_are_integers_in_cents_and_basis_points(rules: LandlordsRules) -> None:
    assert rules.tax.cedolare_ordinary_bp == 2100
    assert rules.tax.cedolare_concordato_bp == 1000
    assert rules.tax.imu_concordato_factor_bp == 7500
    assert rules.adequacy.under_occupation_bp == 16000
    assert rules.incentives.landlord_one_off_cents == {
        "3+2": 120000,
        "4+2": 150000,
        "5+2": 180000,
        "6+2": 200000,
    }
    assert rules.incentives.renovation_grant_max_cents == 800000
    assert rules.units.import_max_rows == 5000
    assert rules.capofila == "Cremona"
    assert rules.comune_population["Cremona"] > rules.units.transitorio_band_min_population


def test_allowed_and_prohibited_filters_are_disjoint(rules: LandlordsRules) -> None:
    assert not set(rules.filters.allowed) & rules.filters.prohibited
    with pytest.raises(PolicyError):
        rules_from_policy(
            _patched(
                rules,
                "landlord_filters",
                allowed=[*rules.filters.allowed, "nationality"],
            )
        )


def test_one_off_grant_only_for_allowed_terms(rules: LandlordsRules) -> None:
    raw = copy.deepcopy(rules.policy.raw)
    raw["incentives"]["landlord_one_off_eur"]["9+9"] = 1
    with pytest.raises(PolicyError):
        rules_from_policy(Policy(raw=raw, comuni=rules.policy.comuni))


def test_gapped_size_table_is_refused(rules: LandlordsRules) -> None:
    raw = copy.deepcopy(rules.policy.raw)
    del raw["adequacy"]["min_area_m2_by_size"]["3"]
    with pytest.raises(PolicyError):
        rules_from_policy(Policy(raw=raw, comuni=rules.policy.comuni))


def test_lists_must_be_strings(rules: LandlordsRules) -> None:
    with pytest.raises(PolicyError):
        rules_from_policy(_patched(rules, "landlord_filters", prohibited="nationality"))
