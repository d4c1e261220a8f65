"""Placeholder and explicit canone concordato bands, and the integer band check."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landlords.bands import Band, build_band_table, rent_cents_per_m2
from landlords.rules_policy import LandlordsRules, rules_from_policy
from shared.policy import Policy, PolicyError


def _with_accordo(rules: LandlordsRules, **accordo: Any) -> LandlordsRules:
    raw = copy.deepcopy(rules.policy.raw)
    raw["accordo"].update(accordo)
    return rules_from_policy(Policy(raw=raw, comuni=rules.policy.comuni))


def test_placeholder_bands_cover_every_comune_zone_and_type(rules: LandlordsRules) -> None:
    table = build_band_table(rules)
    assert table.placeholder
    types = set(rules.accordo.unit_type_by_rooms)
    for comune in rules.comune_names:
        for zone in table.zones_for(comune):
            for unit_type in types:
                band = table.bands[(comune, zone, unit_type)]
                assert band.placeholder
                assert 0 < band.min_cents_m2 < band.max_cents_m2
    assert table.zones_for("Cremona") == ("centro_storico", "semicentro", "periferia", "frazioni")
    assert table.zones_for("Soresina") == (rules.accordo.default_zone,)


def test_placeholder_band_is_share_times_market_mean(rules: LandlordsRules) -> None:
    table = build_band_table(rules)
    # Other comuni: 6.6 EUR/m2 (bilocale) x 0.82 = 5.412; x 0.60 = 3.2472 -> 324; x 0.90 = 4.8708 -> 488.
    small = table.bands[("Soresina", "unica", "bilocale")]
    assert (small.min_cents_m2, small.max_cents_m2) == (324, 488)
    # Cremona semicentro: multiplier 1.00 rescaled by the zone mean 0.9575 -> 6.893 EUR/m2.
    city = table.bands[("Cremona", "semicentro", "bilocale")]
    assert (city.min_cents_m2, city.max_cents_m2) == (413, 621)


def test_zone_rescaling_keeps_the_city_mean(rules: LandlordsRules) -> None:
    table = build_band_table(rules)
    zones = rules.policy.section("generator.territory.cremona_zones")
    mean_max = sum(
        (
            Decimal(str(cfg["share"])) * table.bands[("Cremona", z, "trilocale")].max_cents_m2
            for z, cfg in zones.items()
        ),
        Decimal(0),
    )
    # 0.90 x 5.5 EUR/m2 = 495 cents: the share-weighted zone bands average to it (within rounding).
    assert abs(mean_max - 495) <= 1


@pytest.mark.parametrize(
    ("rooms", "unit_type"),
    [
        (1, "monolocale"),
        (2, "bilocale"),
        (3, "trilocale"),
        (4, "quadrilocale"),
        (7, "quadrilocale"),
    ],
)
def test_unit_type_by_rooms(rules: LandlordsRules, rooms: int, unit_type: str) -> None:
    assert build_band_table(rules).unit_type_for_rooms(rooms) == unit_type


def test_band_contains_uses_exact_integers() -> None:
    band = Band(
        comune="C", zone="z", unit_type="t", min_cents_m2=413, max_cents_m2=621, placeholder=True
    )
    # 55.5 m2 at 4.13 = 229.215 EUR: 229.22 is inside, 229.21 just outside.
    assert band.contains(rent_cents=22922, surface_tenths=555)
    assert not band.contains(rent_cents=22921, surface_tenths=555)
    assert band.contains(rent_cents=34465, surface_tenths=555)  # 6.21 x 55.5 = 344.655
    assert not band.contains(rent_cents=34466, surface_tenths=555)
    assert rent_cents_per_m2(rent_cents=28000, surface_tenths=550) == 509


def test_explicit_bands_replace_the_placeholders(rules: LandlordsRules) -> None:
    explicit = _with_accordo(
        rules,
        accordo_band_source="explicit",
        bands=[
            {
                "comune": "Cremona",
                "zone": "centro",
                "unit_type": "bilocale",
                "min_eur_m2": Decimal("5.2"),
                "max_eur_m2": Decimal("8.1"),
            },
            {
                "comune": "Cremona",
                "zone": "periferia",
                "unit_type": "bilocale",
                "min_eur_m2": Decimal("4"),
                "max_eur_m2": Decimal("6.5"),
            },
        ],
    )
    table = build_band_table(explicit)
    assert not table.placeholder
    assert table.zones_for("Cremona") == ("centro", "periferia")
    band = table.band_for(comune="Cremona", zone="centro", rooms=2)
    assert band is not None
    assert (band.min_cents_m2, band.max_cents_m2, band.placeholder) == (520, 810, False)
    assert table.band_for(comune="Cremona", zone="centro", rooms=3) is None
    assert table.band_for(comune="Soresina", zone=None, rooms=2) is None


def test_explicit_band_without_configured_band_is_reported(
    rules: LandlordsRules,
) -> None:
    from landlords.unit_rules import UnitChecker

    explicit = _with_accordo(
        rules,
        accordo_band_source="explicit",
        bands=[
            {
                "comune": "Cremona",
                "zone": "centro",
                "unit_type": "bilocale",
                "min_eur_m2": 5,
                "max_eur_m2": 8,
            }
        ],
    )
    checker = UnitChecker.from_rules(explicit)
    raw = {
        "address": "Via Roma 1",
        "comune": "Cremona",
        "zone": "centro",
        "surface_m2": "70",
        "rooms": 3,
        "bedrooms": 2,
        "energy_class": "D",
        "monthly_rent_eur": "400",
        "contract_type": "concordato",
    }
    _, _, errors = checker.parse(raw=raw)
    assert [(e.pointer, e.code) for e in errors] == [("/body/zone", "band_not_configured")]


@pytest.mark.parametrize(
    "bad",
    [
        [
            {
                "comune": "Milano",
                "zone": "z",
                "unit_type": "bilocale",
                "min_eur_m2": 5,
                "max_eur_m2": 8,
            }
        ],
        [
            {
                "comune": "Cremona",
                "zone": "z",
                "unit_type": "attico",
                "min_eur_m2": 5,
                "max_eur_m2": 8,
            }
        ],
        [
            {
                "comune": "Cremona",
                "zone": "z",
                "unit_type": "bilocale",
                "min_eur_m2": 9,
                "max_eur_m2": 8,
            }
        ],
        [
            {
                "comune": "Cremona",
                "zone": "z",
                "unit_type": "bilocale",
                "min_eur_m2": 5,
                "max_eur_m2": 8,
            }
        ]
        * 2,
    ],
)
def test_explicit_bands_are_checked_at_load(
    rules: LandlordsRules, bad: list[dict[str, Any]]
) -> None:
    with pytest.raises(PolicyError):
        build_band_table(_with_accordo(rules, accordo_band_source="explicit", bands=bad))


def test_unknown_band_source_is_refused(rules: LandlordsRules) -> None:
    with pytest.raises(PolicyError):
        _with_accordo(rules, accordo_band_source="guess")


@given(
    rent_cents=st.integers(min_value=1, max_value=10_000_00),
    surface_tenths=st.integers(min_value=1, max_value=99_999),
    low=st.integers(min_value=0, max_value=2_000),
    width=st.integers(min_value=0, max_value=2_000),
)
def test_band_check_equals_exact_decimal_division(
    rent_cents: int, surface_tenths: int, low: int, width: int
) -> None:
    band = Band(
        comune="C",
        zone="z",
        unit_type="t",
        min_cents_m2=low,
        max_cents_m2=low + width,
        placeholder=True,
    )
    per_m2 = Decimal(rent_cents) / (Decimal(surface_tenths) / 10)
    assert band.contains(rent_cents=rent_cents, surface_tenths=surface_tenths) == (
        low <= per_m2 <= low + width
    )
