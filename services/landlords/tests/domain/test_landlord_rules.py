"""Landlord onboarding: identity by codice fiscale or partita IVA, kind and contacts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from landlords.landlord_rules import LandlordOnboarding, validate_landlord
from shared.fiscal_codes import codice_fiscale_check_char, partita_iva_check_digit

# Synthetic identities, built with the official check algorithms.
CF = "RSSMRA80A01D150" + codice_fiscale_check_char("RSSMRA80A01D150")
PIVA = "0123456789" + partita_iva_check_digit("0123456789")
WRONG_CF = CF[:15] + ("A" if CF[15] != "A" else "B")
WRONG_PIVA = PIVA[:10] + str((int(PIVA[10]) + 1) % 10)


def check(**fields: Any) -> list[tuple[str, str]]:
    body: dict[str, Any] = {"display_name": "Mario Rossi", "email": "mario@example.org"} | fields
    return [
        (e.pointer, e.code)
        for e in validate_landlord(landlord=LandlordOnboarding.model_validate(body))
    ]


def test_person_with_valid_codice_fiscale() -> None:
    assert check(legal_form="person", kind="private", codice_fiscale=CF.lower()) == []
    landlord = LandlordOnboarding.model_validate(
        {
            "legal_form": "person",
            "kind": "private",
            "display_name": "M",
            "codice_fiscale": f" {CF.lower()} ",
        }
    )
    assert landlord.codice_fiscale == CF


def test_person_needs_a_valid_codice_fiscale() -> None:
    assert check(legal_form="person", kind="private") == [("/body/codice_fiscale", "missing")]
    assert check(legal_form="person", kind="private", codice_fiscale=WRONG_CF) == [
        ("/body/codice_fiscale", "invalid_codice_fiscale")
    ]


def test_person_may_only_be_a_private_landlord() -> None:
    assert check(legal_form="person", kind="cooperative", codice_fiscale=CF) == [
        ("/body/kind", "kind_requires_organisation")
    ]


@pytest.mark.parametrize("kind", ["private", "sas_operator", "cooperative", "public_owner"])
def test_organisation_with_valid_partita_iva(kind: str) -> None:
    assert check(legal_form="organisation", kind=kind, partita_iva=PIVA) == []
    assert check(legal_form="organisation", kind=kind, partita_iva=PIVA, codice_fiscale=PIVA) == []


def test_organisation_needs_a_valid_partita_iva() -> None:
    assert check(legal_form="organisation", kind="cooperative") == [
        ("/body/partita_iva", "missing")
    ]
    assert check(legal_form="organisation", kind="cooperative", partita_iva=WRONG_PIVA) == [
        ("/body/partita_iva", "invalid_partita_iva")
    ]
    assert check(
        legal_form="organisation", kind="cooperative", partita_iva=PIVA, codice_fiscale=CF
    ) == [("/body/codice_fiscale", "invalid_codice_fiscale")]


def test_contacts() -> None:
    assert check(legal_form="person", kind="private", codice_fiscale=CF, email=None) == [
        ("/body/email", "contact_required")
    ]
    assert check(
        legal_form="person", kind="private", codice_fiscale=CF, email=None, phone="+393331234567"
    ) == [("/body/preferred_channel", "channel_without_contact")]
    assert (
        check(
            legal_form="person",
            kind="private",
            codice_fiscale=CF,
            email=None,
            phone="+393331234567",
            preferred_channel="sms",
        )
        == []
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("phone", "call me"),
        ("language", "de"),
        ("partita_iva", "IT0123456789"),
        ("codice_fiscale", "RSS MRA"),
        ("kind", "speculator"),
        ("nationality", "IT"),
    ],
)
def test_schema_rejects_malformed_fields(field: str, value: str) -> None:
    body = {
        "legal_form": "person",
        "kind": "private",
        "display_name": "M",
        "codice_fiscale": CF,
        field: value,
    }
    with pytest.raises(ValidationError) as exc:
        LandlordOnboarding.model_validate(body)
    assert [e["loc"] for e in exc.value.errors()] == [(field,)]
