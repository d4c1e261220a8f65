"""Calendar arithmetic: month and year shifts clamp to month ends; ages count completed years."""

from __future__ import annotations

from datetime import date

import pytest

from registry.dates import add_months, add_years, age_on


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 25), 2, date(2027, 1, 25)),
        (date(2026, 11, 25), -24, date(2024, 11, 25)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 12, 15), 0, date(2026, 12, 15)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_years_from_29_february() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("today", "age"),
    [(date(2026, 5, 16), 45), (date(2026, 5, 17), 46), (date(2026, 12, 31), 46)],
)
def test_age_on(today: date, age: int) -> None:
    assert age_on(birth_date=date(1980, 5, 17), today=today) == age
