"""Prohibited and unknown landlord filters, free-text screening, input hygiene (DOMAIN 4.9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from landlords.rules_policy import LandlordsRules, default_rules
from landlords.screening import screen_notes
from landlords.unit_rules import NOTES_HELD_FOR_REVIEW, UnitChecker
from landlords.unit_schemas import UnitFilters

UnitFactory = Callable[..., dict[str, Any]]

ALLOWED_MESSAGE = (
    "Allowed filters: max_occupants, pets_allowed, smoking_allowed, available_from, "
    "min_contract_term."
)


def test_schema_fields_are_exactly_the_allowed_filters(rules: LandlordsRules) -> None:
    assert tuple(UnitFilters.model_fields) == rules.filters.allowed


def test_nationality_error_has_the_documented_format(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    _, _, errors = checker.parse(raw=make_unit(filters={"nationality": "IT"}))
    assert [e.as_dict() for e in errors] == [
        {
            "pointer": "/body/filters/nationality",
            "code": "prohibited_landlord_filter",
            "message": "Units cannot be restricted by nationality. " + ALLOWED_MESSAGE,
        }
    ]


@pytest.mark.parametrize("criterion", sorted(default_rules().filters.prohibited))
def test_every_prohibited_filter_is_rejected_by_name(
    checker: UnitChecker, make_unit: UnitFactory, criterion: str
) -> None:
    for value in (True, "IT", 3, None, {"any": "thing"}):
        _, _, errors = checker.parse(
            raw=make_unit(filters={criterion: value, "pets_allowed": False})
        )
        assert [(e.pointer, e.code) for e in errors] == [
            (f"/body/filters/{criterion}", "prohibited_landlord_filter")
        ]
        assert errors[0].message.endswith(ALLOWED_MESSAGE)
        assert criterion.replace("_", " ") in errors[0].message


@pytest.mark.parametrize("name", ["adults_only", "no_students", "Nationality", "tenant_origin"])
def test_unknown_filters_are_rejected_with_the_lawful_list(
    checker: UnitChecker, make_unit: UnitFactory, name: str
) -> None:
    _, _, errors = checker.parse(raw=make_unit(filters={name: True}))
    assert [(e.pointer, e.code) for e in errors] == [
        (f"/body/filters/{name}", "unknown_landlord_filter")
    ]
    assert errors[0].message.endswith(ALLOWED_MESSAGE)


def test_prohibited_and_invalid_allowed_filters_are_all_reported(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    raw = make_unit(filters={"religion": "x", "children": False, "max_occupants": "many"})
    _, _, errors = checker.parse(raw=raw)
    assert sorted((e.pointer, e.code) for e in errors) == [
        ("/body/filters/children", "prohibited_landlord_filter"),
        ("/body/filters/max_occupants", "int_parsing"),
        ("/body/filters/religion", "prohibited_landlord_filter"),
    ]


def test_prohibited_criteria_cannot_hide_at_the_top_level(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    _, _, errors = checker.parse(raw=make_unit(nationality="IT"))
    assert [(e.pointer, e.code) for e in errors] == [("/body/nationality", "extra_forbidden")]


def test_errors_never_echo_input(checker: UnitChecker, make_unit: UnitFactory) -> None:
    secret = "SOLO-ITALIANI-XYZ"
    _, _, errors = checker.parse(
        raw=make_unit(filters={"ethnicity": secret, "max_occupants": secret})
    )
    assert errors
    assert all(secret not in e.message for e in errors)


@pytest.mark.parametrize(
    ("notes", "hits"),
    [
        ("No stranieri, grazie", ("stranieri",)),
        ("NO EXTRACOMUNITARI", ("extracomunitari",)),
        ("Affitto solo italiani con busta paga", ("solo italiani", "busta paga")),
        ("Preferibile nazionalità italiana", ("nazionalita",)),
        ("Niente  figli,\tno famiglie", ("niente figli", "no famiglie")),
        ("Bella terrazza e cantina", ()),  # "razza" inside "terrazza" is not a hit
        ("Vicino alle scuole, ideale per famiglie", ()),
        ("", ()),
    ],
)
def test_screen_notes(rules: LandlordsRules, notes: str, hits: tuple[str, ...]) -> None:
    assert screen_notes(notes=notes, keywords=rules.filters.review_keywords_it) == hits


def test_no_stranieri_note_holds_the_unit_for_review(
    checker: UnitChecker, make_unit: UnitFactory
) -> None:
    unit, assessment, errors = checker.parse(
        raw=make_unit(notes="Appartamento luminoso.\nNo stranieri.")
    )
    assert errors == ()
    assert unit is not None
    assert assessment is not None
    assert assessment.hold_for_review
    assert assessment.review_keywords == ("stranieri",)
    assert [(w.pointer, w.code) for w in assessment.warnings] == [
        ("/body/notes", NOTES_HELD_FOR_REVIEW)
    ]
    assert "stranieri" not in assessment.warnings[0].message


def test_clean_notes_do_not_hold(checker: UnitChecker, make_unit: UnitFactory) -> None:
    _, assessment, _ = checker.parse(raw=make_unit(notes="Cucina abitabile, balcone, cantina."))
    assert assessment is not None
    assert not assessment.hold_for_review


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("address", "Via Roma\x001", "control_characters"),
        ("address", "Via Roma\n1", "control_characters"),
        ("address", "x" * 201, "string_too_long"),
        ("notes", "riga uno\x07", "control_characters"),
        ("notes", "x" * 2001, "string_too_long"),
        ("monthly_rent_eur", "450.505", "decimal_max_places"),
        ("monthly_rent_eur", "0", "greater_than"),
        ("monthly_rent_eur", "100000", "less_than_equal"),
        ("surface_m2", "55.25", "decimal_max_places"),
        ("rooms", 0, "greater_than_equal"),
        ("energy_class", "Z", "literal_error"),
    ],
)
def test_schema_bounds(
    checker: UnitChecker, make_unit: UnitFactory, field: str, value: object, code: str
) -> None:
    _, _, errors = checker.parse(raw=make_unit(**{field: value}))
    assert [(e.pointer, e.code) for e in errors] == [(f"/body/{field}", code)]


def test_notes_keep_newlines_and_tabs(checker: UnitChecker, make_unit: UnitFactory) -> None:
    unit, _, errors = checker.parse(raw=make_unit(notes="riga uno\n\triga due"))
    assert errors == ()
    assert unit is not None
    assert unit.notes == "riga uno\n\triga due"


def test_money_in_euros_becomes_cents(checker: UnitChecker, make_unit: UnitFactory) -> None:
    unit, _, _ = checker.parse(raw=make_unit(monthly_rent_eur=280.1, service_charges_eur="0.05"))
    assert unit is not None
    assert (unit.rent_cents, unit.charges_cents) == (28010, 5)
