"""Calendar arithmetic for the domain rules: whole years and months, clamped to month ends."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """Shift by whole calendar months; a day past the target month's end becomes its last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """Shift by whole years; 29 February becomes 28 February in a common year."""
    return add_months(day, years * 12)


def age_on(*, birth_date: date, today: date) -> int:
    """Completed years of age on `today` (the birthday itself counts)."""
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)
