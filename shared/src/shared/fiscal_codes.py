"""Italian codice fiscale and partita IVA validation (format and official check characters)."""

from __future__ import annotations

import re
import string

__all__ = [
    "codice_fiscale_check_char",
    "is_valid_codice_fiscale",
    "is_valid_partita_iva",
    "normalize_codice_fiscale",
    "partita_iva_check_digit",
    "validate_codice_fiscale",
    "validate_partita_iva",
]

CODICE_FISCALE_LENGTH = 16
PARTITA_IVA_LENGTH = 11

# Omocodia: when two people would share a code, the registry office replaces digits from the
# right with these letters (0 -> L ... 9 -> V), so the numeric positions accept both.
_OMOCODIA_LETTERS = "LMNPQRSTUV"
_OMOCODIA_TO_DIGIT = {letter: str(digit) for digit, letter in enumerate(_OMOCODIA_LETTERS)}
_DIGIT_OR_OMOCODIA = f"[0-9{_OMOCODIA_LETTERS}]"

# Layout: surname(3) name(3) year(2) month(1) day(2) comune/country(1 letter + 3) check(1).
_FORMAT = re.compile(
    rf"^[A-Z]{{6}}{_DIGIT_OR_OMOCODIA}{{2}}[ABCDEHLMPRST]{_DIGIT_OR_OMOCODIA}{{2}}"
    rf"[A-Z]{_DIGIT_OR_OMOCODIA}{{3}}[A-Z]$"
)
_NUMERIC_POSITIONS = (6, 7, 9, 10, 12, 13, 14)

# Values of characters in odd positions (1st, 3rd, ... counting from 1), per DM 23/12/1976;
# a digit weighs the same as the letter at its index (0 as A, 1 as B, ...).
_ODD_LETTER_VALUES = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10)
_ODD_LETTER_VALUES_TAIL = (22, 25, 24, 23)  # W X Y Z
_ODD_VALUES: dict[str, int] = {
    **dict(zip(string.ascii_uppercase, _ODD_LETTER_VALUES + _ODD_LETTER_VALUES_TAIL, strict=True)),
    **dict(zip(string.digits, _ODD_LETTER_VALUES[:10], strict=True)),
}
_EVEN_VALUES: dict[str, int] = {
    **{d: int(d) for d in "0123456789"},
    **{c: i for i, c in enumerate(string.ascii_uppercase)},
}


def normalize_codice_fiscale(s: str) -> str:
    """Upper-case and strip surrounding whitespace; inner spaces stay (and fail the format)."""
    return s.strip().upper()


def codice_fiscale_check_char(first15: str) -> str:
    """The check character of the first 15 characters of a codice fiscale (case-insensitive)."""
    body = first15.upper()
    if len(body) != CODICE_FISCALE_LENGTH - 1 or not all(c in _EVEN_VALUES for c in body):
        raise ValueError("the check character needs exactly 15 letters or digits")
    total = sum(
        _ODD_VALUES[c] if i % 2 == 0 else _EVEN_VALUES[c]  # index 0 is position 1: odd
        for i, c in enumerate(body)
    )
    return string.ascii_uppercase[total % 26]


def _decoded_day(code: str) -> int:
    return int("".join(_OMOCODIA_TO_DIGIT.get(c, c) for c in code[9:11]))


def validate_codice_fiscale(s: str) -> str:
    """Return the normalised code, or raise ValueError naming the rule it breaks."""
    code = normalize_codice_fiscale(s)
    if len(code) != CODICE_FISCALE_LENGTH:
        raise ValueError(
            f"a codice fiscale has {CODICE_FISCALE_LENGTH} characters, not {len(code)}"
        )
    if not _FORMAT.match(code):
        raise ValueError(
            "a codice fiscale is 6 letters, 2 digits, a month letter (ABCDEHLMPRST), 2 digits, "
            "a letter, 3 digits and a check letter (digits may be omocodia letters LMNPQRSTUV)"
        )
    day = _decoded_day(code)
    # Women's codes add 40 to the day of birth.
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise ValueError(f"day of birth {code[9:11]} is neither 01-31 nor 41-71")
    expected = codice_fiscale_check_char(code[:15])
    if code[15] != expected:
        raise ValueError(f"wrong check character {code[15]!r}: expected {expected!r}")
    return code


def is_valid_codice_fiscale(s: str) -> bool:
    try:
        validate_codice_fiscale(s)
    except ValueError:
        return False
    return True


def partita_iva_check_digit(first10: str) -> str:
    """The Luhn-style check digit of the first 10 digits of a partita IVA."""
    if len(first10) != PARTITA_IVA_LENGTH - 1 or not first10.isascii() or not first10.isdigit():
        raise ValueError("the check digit needs exactly 10 digits")
    total = 0
    for i, c in enumerate(first10):
        d = int(c)
        if i % 2 == 1:  # even positions counting from 1 are doubled, minus 9 above 9
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def validate_partita_iva(s: str) -> str:
    """Return the stripped partita IVA, or raise ValueError naming the rule it breaks."""
    piva = s.strip()
    if len(piva) != PARTITA_IVA_LENGTH or not piva.isascii() or not piva.isdigit():
        raise ValueError(f"a partita IVA is exactly {PARTITA_IVA_LENGTH} digits")
    # All zeros passes the arithmetic but is no taxpayer's number (office code 000).
    if piva[7:10] == "000":
        raise ValueError(f"office code {piva[7:10]} does not exist")
    expected = partita_iva_check_digit(piva[:10])
    if piva[10] != expected:
        raise ValueError(f"wrong check digit {piva[10]!r}: expected {expected!r}")
    return piva


def is_valid_partita_iva(s: str) -> bool:
    try:
        validate_partita_iva(s)
    except ValueError:
        return False
    return True
