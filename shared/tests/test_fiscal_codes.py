"""Codice fiscale and partita IVA validation."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.fiscal_codes import (
    codice_fiscale_check_char,
    is_valid_codice_fiscale,
    is_valid_partita_iva,
    partita_iva_check_digit,
    validate_codice_fiscale,
    validate_partita_iva,
)

# Published examples: the Agenzia delle Entrate's "Mario Rossi" and Wikipedia's Matteo Moretti.
KNOWN_VALID = ["RSSMRA85T10A562S", "MRTMTT25D09F205Z"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code: str) -> None:
    assert is_valid_codice_fiscale(code)
    assert validate_codice_fiscale(code) == code
    assert codice_fiscale_check_char(code[:15]) == code[15]


def test_female_day_offset_is_accepted() -> None:
    assert is_valid_codice_fiscale("BNCGLI90A41H501E")


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_every_wrong_check_character_is_rejected(code: str) -> None:
    for wrong in string.ascii_uppercase.replace(code[15], ""):
        assert not is_valid_codice_fiscale(code[:15] + wrong)


def test_wrong_check_character_message_names_expected() -> None:
    with pytest.raises(ValueError, match="wrong check character 'X': expected 'S'"):
        validate_codice_fiscale("RSSMRA85T10A562X")


@pytest.mark.parametrize(
    "code",
    [
        "RSSMRA85T10A56NH",  # last digit of the place code replaced (2 -> N)
        "RSSMRA85T10ARQNM",  # all three place-code digits replaced
        "MRTMTT25D09F20RU",  # 5 -> R
    ],
)
def test_omocodia_substitutions_are_accepted(code: str) -> None:
    assert is_valid_codice_fiscale(code)


def test_omocodia_letter_in_day_is_decoded_for_the_day_check() -> None:
    # Day "1M" decodes to 11; "7N" would decode to 72, beyond 71.
    body = "RSSMRA85T1MA562"
    assert is_valid_codice_fiscale(body + codice_fiscale_check_char(body))
    bad = "RSSMRA85T7NA562"
    with pytest.raises(ValueError, match="day of birth"):
        validate_codice_fiscale(bad + codice_fiscale_check_char(bad))


def test_non_omocodia_letter_in_numeric_position_is_rejected() -> None:
    body = "RSSMRA85T10A56A"  # A is not one of LMNPQRSTUV
    with pytest.raises(ValueError, match="omocodia"):
        validate_codice_fiscale(body + codice_fiscale_check_char(body))


def test_lowercase_and_surrounding_spaces_are_normalised() -> None:
    assert validate_codice_fiscale("  rssmra85t10a562s ") == "RSSMRA85T10A562S"
    assert is_valid_codice_fiscale("RssMra85T10a562s")


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("", "16 characters"),
        ("RSSMRA85T10A562", "16 characters"),
        ("RSSMRA85T10A562SS", "16 characters"),
        ("RSSMRA 85T10A562", "6 letters"),
        ("RSSMR185T10A562S", "6 letters"),  # digit among the name letters
        ("RSSMRA85Z10A562S", "month letter"),  # Z is not a month
        ("RSSMRA85T10A5626", "check letter"),  # digit as check character
        ("RSSMRA85T00A562S", "day of birth"),
        ("RSSMRA85T32A562S", "day of birth"),
        ("RSSMRA85T40A562S", "day of birth"),
        ("RSSMRA85T72A562S", "day of birth"),
        ("RSSMRÀ85T10A562S", "6 letters"),
    ],
)
def test_bad_formats_name_the_rule(code: str, rule: str) -> None:
    assert not is_valid_codice_fiscale(code)
    with pytest.raises(ValueError, match=rule):
        validate_codice_fiscale(code)


def test_check_char_needs_fifteen_alphanumerics() -> None:
    with pytest.raises(ValueError, match="15"):
        codice_fiscale_check_char("RSSMRA85T10A56")
    with pytest.raises(ValueError, match="15"):
        codice_fiscale_check_char("RSSMRA85T10A56-")


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=15, max_size=15))
def test_exactly_one_check_character_fits_any_body(body: str) -> None:
    fits = [c for c in string.ascii_uppercase if codice_fiscale_check_char(body) == c]
    assert len(fits) == 1


# --- partita IVA ------------------------------------------------------------------------------


@pytest.mark.parametrize("piva", ["12345678903", "00743110157", " 00743110157 "])
def test_valid_partita_iva(piva: str) -> None:
    assert is_valid_partita_iva(piva)
    assert validate_partita_iva(piva) == piva.strip()


def test_partita_iva_check_digit_arithmetic() -> None:
    # odd positions 1+3+5+7+9 = 25; doubled evens 4+8+(12-9)+(16-9)+0 = 22; 47 -> 10-7 = 3
    assert partita_iva_check_digit("1234567890") == "3"


@pytest.mark.parametrize(
    ("piva", "rule"),
    [
        ("12345678904", "wrong check digit '4': expected '3'"),
        ("1234567890", "11 digits"),
        ("123456789031", "11 digits"),
        ("1234567890A", "11 digits"),
        ("\uff11" * 11, "11 digits"),  # full-width digits are not ASCII
        ("00000000000", "office code"),
    ],
)
def test_invalid_partita_iva(piva: str, rule: str) -> None:
    assert not is_valid_partita_iva(piva)
    with pytest.raises(ValueError, match=rule):
        validate_partita_iva(piva)


def test_partita_iva_check_digit_needs_ten_digits() -> None:
    with pytest.raises(ValueError, match="10 digits"):
        partita_iva_check_digit("123")
