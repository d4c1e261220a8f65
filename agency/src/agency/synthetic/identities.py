"""Synthetic codici fiscali and partite IVA: correct check characters, impossible origins.

A codice fiscale's birthplace is a cadastral (Belfiore) code: a letter A-M for an Italian comune
or Z for a foreign country. Synthetic codes use the letter X, which no real place has, so a
generated code can pass the check-character test (the registry validates it) yet never be a real
person's. Partite IVA number the seed's organisations in their matricola.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from shared.fiscal_codes import codice_fiscale_check_char, partita_iva_check_digit

SYNTHETIC_PLACE_LETTER = "X"
_MONTHS = "ABCDEHLMPRST"
_VOWELS = frozenset("AEIOU")
_PLACES = 1000
_FEMALE_DAY_OFFSET = 40
_MATRICOLE = 100_000
SYNTHETIC_OFFICE = "019"  # a provincial office code (Cremona)


def _letters(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.upper() if c.isalpha())


def _split(name: str) -> tuple[str, str]:
    letters = _letters(name)
    return (
        "".join(c for c in letters if c not in _VOWELS),
        "".join(c for c in letters if c in _VOWELS),
    )


def surname_code(family_name: str) -> str:
    consonants, vowels = _split(family_name)
    return (consonants + vowels + "XXX")[:3]


def given_name_code(given_name: str) -> str:
    consonants, vowels = _split(given_name)
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return (consonants + vowels + "XXX")[:3]


def birth_code(birth_date: date, *, female: bool) -> str:
    day = birth_date.day + (_FEMALE_DAY_OFFSET if female else 0)
    return f"{birth_date.year % 100:02d}{_MONTHS[birth_date.month - 1]}{day:02d}"


class CodeBook:
    """Hands out unique synthetic codici fiscali; the place number resolves clashes in order."""

    def __init__(self) -> None:
        self.issued: set[str] = set()

    def codice_fiscale(
        self, *, family_name: str, given_name: str, birth_date: date, female: bool, place: int
    ) -> str:
        head = (
            surname_code(family_name)
            + given_name_code(given_name)
            + birth_code(birth_date, female=female)
        )
        for step in range(_PLACES):
            body = f"{head}{SYNTHETIC_PLACE_LETTER}{(place + step) % _PLACES:03d}"
            code = body + codice_fiscale_check_char(body)
            if code not in self.issued:
                self.issued.add(code)
                return code
        raise ValueError("no free synthetic place code left for this name and birth date")


def partita_iva(index: int, *, seed: int, office: str = SYNTHETIC_OFFICE) -> str:
    """An 11-digit partita IVA with a correct check digit: matricola ss nnnnn (seed, index)."""
    if not 0 <= index < _MATRICOLE:
        raise ValueError(f"at most {_MATRICOLE} synthetic organisations per seed")
    body = f"{seed % 100:02d}{index:05d}{office}"
    return body + partita_iva_check_digit(body)
