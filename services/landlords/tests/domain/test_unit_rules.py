"""Each unit validation rule: comune, zone, band, rooms, surface, contract, occupancy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from landlords.occupancy import min_area_m2, occupancy
from landlords.rules_policy import LandlordsRules
from landlords.unit_rules import (
    OCCUPANCY_FILTER_EXCLUDES_ALL,
    OCCUPANCY_FILTER_REVIEW,
    UnitChecker,
)

UnitFactory = Callable[..., dict[str, Any]]


def codes(checker: UnitChecker, raw: dict[str, Any]) -> dict[str, str]:
    _, _, errors = checker.parse(raw=raw)
    return {e.pointer: e.code for e in errors}


def test_valid_unit_passes(checker: UnitChecker, make_unit: UnitFactory) -> None:
    unit, assessment, errors = checker.parse(raw=make_unit())
    assert errors == ()
    assert unit is not None
    assert assessment is not None
    assert assessment.ok
    assert assessment.unit_type == "bilocale"
    assert assessment.band_checked
    assert assessment.band is not None
    assert assessment.band.placeholder
    assert not assessment.hold_for_review
    assert unit.rent_cents == 28000
    assert unit.charges_cents == 6000
    assert unit.surface_tenths == 550


def test_every_comune_of_the_ambito_is_accepted(
    checker: UnitChecker, rules: LandlordsRules, make_unit: UnitFactory
) -> None:
    assert len(rules.comune_names) == 47
    for comune in rules.comune_names:
        zone = "semicentro" if comune == rules.capofila else None
        raw = make_unit(comune=comune, zone=zone, contract_type="free_market", contract_term="4+4")
        assert codes(checker, raw) == {}, comune


@pytest.mark.parametrize("comune", ["Milano", "Crema", "cremona", "Cremona "])
def test_comune_outside_the_ambito_is_rejected(
    checker: UnitChecker, make_unit: UnitFactory, comune: str
) -> None:
    # "Cremona " is stripped by the schema and accepted; the others are not Ambito comuni.
    result = codes(checker, make_unit(comune=comune))
    if comune.strip() == "Cremona":
        assert result == {}
    else:
        assert result == {"/body/comune": "comune_not_in_ambito"}


def test_cremona_needs_a_known_zone(checker: UnitChecker, make_unit: UnitFactory) -> None:
    assert codes(checker, make_unit(zone=None)) == {"/body/zone": "zone_required"}
    assert codes(checker, make_unit(zone="centro")) == {"/body/zone": "unknown_zone"}


def test_small_comune_has_one_default_zone(
    checker: UnitChecker, rules: LandlordsRules, make_unit: UnitFactory
) -> None:
    default = rules.accordo.default_zone
    assert codes(checker, make_unit(comune="Soresina", zone=None, monthly_rent_eur="230")) == {}
    assert codes(checker, make_unit(comune="Soresina", zone=default, monthly_rent_eur="230")) == {}
    assert codes(checker, make_unit(comune="Soresina", zone="semicentro")) == {
        "/body/zone": "unknown_zone"
    }


@pytest.mark.parametrize(
    ("rent", "expected"),
    [
        ("227.15", {}),  # 4.13 EUR/m2 x 55 m2: the lower bound itself
        ("227.14", {"/body/monthly_rent_eur": "rent_outside_band"}),
        ("341.55", {}),  # 6.21 x 55: the upper bound itself
        ("341.56", {"/body/monthly_rent_eur": "rent_outside_band"}),
    ],
)
def test_concordato_rent_must_be_inside_the_band(
    checker: UnitChecker, make_unit: UnitFactory, rent: str, expected: dict[str, str]
) -> None:
    assert codes(checker, make_unit(monthly_rent_eur=rent)) == expected


def test_band_message_names_the_bounds_and_the_placeholder(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    _, _, errors = checker.parse(raw=make_unit(monthly_rent_eur="600"))
    (error,) = errors
    assert "4.13 and 6.21" in error.message
    assert "placeholder" in error.message
    assert "600" not in error.message  # problem bodies never echo input


def test_band_uses_the_conventional_surface(checker: UnitChecker, make_unit: UnitFactory) -> None:
    # 400 EUR on 55 m2 is 7.27 EUR/m2 (outside); on a 70 m2 conventional surface 5.71 (inside).
    assert codes(checker, make_unit(monthly_rent_eur="400")) != {}
    assert codes(checker, make_unit(monthly_rent_eur="400", conventional_surface_m2="70")) == {}


@pytest.mark.parametrize(
    ("contract", "extra", "checked"),
    [
        ("concordato", {"contract_term": "3+2"}, True),
        ("sas", {"contract_term": "3+2"}, True),
        ("free_market", {"contract_term": "4+4"}, False),
        (
            "transitorio",
            {"contract_term": None, "transitorio_months": 12},
            True,
        ),  # Cremona > 10,000
    ],
)
def test_which_contracts_are_band_checked(
    checker: UnitChecker,
    make_unit: UnitFactory,
    contract: str,
    extra: dict[str, Any],
    checked: bool,
) -> None:
    raw = make_unit(contract_type=contract, monthly_rent_eur="900", **extra)
    expected = {"/body/monthly_rent_eur": "rent_outside_band"} if checked else {}
    assert codes(checker, raw) == expected


def test_transitorio_in_a_small_comune_is_not_band_checked(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    raw = make_unit(
        comune="Soresina",
        zone=None,
        contract_type="transitorio",
        contract_term=None,
        transitorio_months=6,
        monthly_rent_eur="900",
    )
    assert codes(checker, raw) == {}


def test_transitorio_duration(checker: UnitChecker, make_unit: UnitFactory) -> None:
    base = {"contract_type": "transitorio", "contract_term": None}
    assert codes(checker, make_unit(**base)) == {"/body/transitorio_months": "missing"}
    assert codes(checker, make_unit(**base, transitorio_months=19)) == {
        "/body/transitorio_months": "transitorio_duration_out_of_range"
    }
    assert codes(checker, make_unit(**base, transitorio_months=18)) == {}
    assert codes(checker, make_unit(contract_type="transitorio", transitorio_months=6)) == {
        "/body/contract_term": "not_applicable"
    }
    assert codes(checker, make_unit(transitorio_months=6)) == {
        "/body/transitorio_months": "not_applicable"
    }


@pytest.mark.parametrize(
    ("contract", "term", "expected"),
    [
        ("concordato", "3+2", None),
        ("concordato", "6+2", None),
        ("concordato", None, None),  # the policy's default term applies
        ("concordato", "4+4", "contract_term_not_allowed"),
        ("free_market", "4+4", None),
        ("free_market", "3+2", "contract_term_not_allowed"),
        ("free_market", None, "missing"),
        ("sas", "4+2", None),
        ("sas", None, "missing"),
    ],
)
def test_contract_terms_per_type(
    checker: UnitChecker,
    make_unit: UnitFactory,
    contract: str,
    term: str | None,
    expected: str | None,
) -> None:
    raw = make_unit(contract_type=contract, contract_term=term, monthly_rent_eur="300")
    assert codes(checker, raw) == ({} if expected is None else {"/body/contract_term": expected})


def test_unknown_contract_type_is_a_schema_error(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    assert codes(checker, make_unit(contract_type="cash_only")) == {"/body/contract_type": "enum"}


@pytest.mark.parametrize(
    ("rooms", "bedrooms", "ok"), [(2, 1, True), (2, 2, False), (1, 0, True), (1, 1, False)]
)
def test_bedrooms_below_rooms(
    checker: UnitChecker, make_unit: UnitFactory, rooms: int, bedrooms: int, ok: bool
) -> None:
    raw = make_unit(rooms=rooms, bedrooms=bedrooms, surface_m2="40", monthly_rent_eur="220")
    raw["filters"] = {}
    result = codes(checker, raw)
    assert ("/body/bedrooms" not in result) is ok
    if not ok:
        assert result["/body/bedrooms"] == "bedrooms_not_below_rooms"


@pytest.mark.parametrize(
    ("surface", "rooms", "ok"),
    [
        ("27.9", 1, False),  # below the one-room minimum (28 m2)
        ("28", 1, True),
        ("60", 1, True),
        ("60.1", 1, False),  # above 60 m2 per room
        ("35.9", 4, False),  # 4 rooms need 36 m2 at 9 m2 each
        ("36", 4, True),
        ("240", 4, True),
        ("2400", 4, False),  # m2 typed as dm2
    ],
)
def test_surface_plausible_for_rooms(
    checker: UnitChecker, make_unit: UnitFactory, surface: str, rooms: int, ok: bool
) -> None:
    raw = make_unit(
        surface_m2=surface,
        rooms=rooms,
        bedrooms=rooms - 1,
        contract_type="free_market",
        contract_term="4+4",
    )
    raw["filters"] = {}
    result = codes(checker, raw)
    assert result.get("/body/surface_m2") == (None if ok else "surface_implausible_for_rooms")


@pytest.mark.parametrize(
    ("category", "expected"),
    [("A/2", None), ("A/10", "not_residential"), ("C/6", "not_residential"), (None, None)],
)
def test_cadastral_category_must_be_residential(
    checker: UnitChecker, make_unit: UnitFactory, category: str | None, expected: str | None
) -> None:
    result = codes(checker, make_unit(cadastral_category=category))
    assert result.get("/body/cadastral_category") == expected


@pytest.mark.parametrize(
    ("size", "expected"), [(1, 28), (2, 38), (3, 48), (4, 58), (5, 68), (6, 78), (7, 86), (8, 96)]
)
def test_min_area_matches_domain_table(rules: LandlordsRules, size: int, expected: int) -> None:
    assert min_area_m2(size=size, adequacy=rules.adequacy) == expected


@pytest.mark.parametrize(
    ("surface_tenths", "bedrooms", "capacity", "smallest"),
    [
        (279, 1, 0, None),
        (280, 1, 1, 1),
        (448, 1, 2, 1),  # 44.8 = 1.6 x 28: still adequate for one person
        (449, 1, 2, 2),
        (550, 1, 3, 2),
        (1300, 3, 11, 7),  # habitability: 14 m2 each for four, 10 each after
        (600, 0, 2, 2),  # a studio takes at most two people
        (1000, 0, 2, None),  # a large studio is adequate for no size under the agency H4
    ],
)
def test_occupancy_range(
    rules: LandlordsRules, surface_tenths: int, bedrooms: int, capacity: int, smallest: int | None
) -> None:
    occ = occupancy(surface_tenths=surface_tenths, bedrooms=bedrooms, adequacy=rules.adequacy)
    assert (occ.capacity, occ.smallest_adequate) == (capacity, smallest)


@pytest.mark.parametrize(
    ("max_occupants", "error", "warning"),
    [
        (1, OCCUPANCY_FILTER_EXCLUDES_ALL, None),  # 55 m2 is adequate only from 2 people
        (2, None, OCCUPANCY_FILTER_REVIEW),  # below the largest adequate size (3)
        (3, None, None),
        (4, "max_occupants_above_capacity", None),
        (None, None, None),
    ],
)
def test_max_occupants_indirect_exclusion(
    checker: UnitChecker,
    make_unit: UnitFactory,
    max_occupants: int | None,
    error: str | None,
    warning: str | None,
) -> None:
    _, assessment, errors = checker.parse(raw=make_unit(filters={"max_occupants": max_occupants}))
    assert [e.code for e in errors] == ([error] if error else [])
    assert assessment is not None
    assert [w.code for w in assessment.warnings] == ([warning] if warning else [])
    for found in (*errors, *assessment.warnings):
        assert found.pointer == "/body/filters/max_occupants"


def test_max_occupants_zero_is_a_schema_error(checker: UnitChecker, make_unit: UnitFactory) -> None:
    assert codes(checker, make_unit(filters={"max_occupants": 0})) == {
        "/body/filters/max_occupants": "greater_than_equal"
    }


def test_min_contract_term_filter_must_be_an_allowed_term(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    assert codes(checker, make_unit(filters={"min_contract_term": "4+2"})) == {}
    assert codes(checker, make_unit(filters={"min_contract_term": "9+9"})) == {
        "/body/filters/min_contract_term": "contract_term_not_allowed"
    }


def test_several_errors_are_reported_together(checker: UnitChecker, make_unit: UnitFactory) -> None:
    raw = make_unit(bedrooms=2, monthly_rent_eur="900", filters={"max_occupants": 9})
    assert codes(checker, raw) == {
        "/body/bedrooms": "bedrooms_not_below_rooms",
        "/body/monthly_rent_eur": "rent_outside_band",
        "/body/filters/max_occupants": "max_occupants_above_capacity",
    }
