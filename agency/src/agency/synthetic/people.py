"""Synthetic people: names, sexes, birth dates for given ages, and their codici fiscali."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from agency.synthetic.identities import CodeBook
from agency.synthetic.names import NameList

_DAYS_IN_YEAR = 365


@dataclass(frozen=True)
class Person:
    given_name: str
    family_name: str
    female: bool
    birth_date: date
    codice_fiscale: str

    def body(self) -> dict[str, Any]:
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "codice_fiscale": self.codice_fiscale,
            "birth_date": self.birth_date.isoformat(),
        }


def birth_date_for_age(age: int, *, today: date, rng: np.random.Generator) -> date:
    """A birth date at which a person is exactly `age` on `today`."""
    anchor = date(today.year - age, today.month, min(today.day, 28))
    return anchor - timedelta(days=int(rng.integers(1, _DAYS_IN_YEAR)))


class PersonMaker:
    """Draws people from a name list; every codice fiscale it hands out is unique."""

    def __init__(
        self, *, rng: np.random.Generator, today: date, codes: CodeBook, female_share: float
    ) -> None:
        self.rng = rng
        self.today = today
        self.codes = codes
        self.female_share = female_share

    def female(self) -> bool:
        return bool(self.rng.random() < self.female_share)

    def pick(self, names: tuple[str, ...]) -> str:
        return names[int(self.rng.integers(len(names)))]

    def person(
        self, names: NameList, *, age: int, family_name: str | None = None, female: bool | None
    ) -> Person:
        is_female = self.female() if female is None else female
        given = self.pick(names.female if is_female else names.male)
        family = family_name or self.pick(names.family)
        born = birth_date_for_age(age, today=self.today, rng=self.rng)
        code = self.codes.codice_fiscale(
            family_name=family,
            given_name=given,
            birth_date=born,
            female=is_female,
            place=int(self.rng.integers(1000)),
        )
        return Person(
            given_name=given,
            family_name=family,
            female=is_female,
            birth_date=born,
            codice_fiscale=code,
        )
