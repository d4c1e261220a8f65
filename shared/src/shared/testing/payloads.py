"""Valid request bodies for cross-service tests (bus, chaos): one place to follow the public APIs."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

from shared.fiscal_codes import codice_fiscale_check_char


def codice_fiscale(n: int) -> str:
    """A codice fiscale with a correct check character, unique per n (synthetic: born 1980-01-01 in D150)."""
    letters = ""
    for _ in range(6):
        n, r = divmod(n, 26)
        letters += string.ascii_uppercase[r]
    body = f"{letters}80A01D150"
    return body + codice_fiscale_check_char(body)


def household_registration(n: int, *, comune: str = "Cremona") -> dict[str, Any]:
    """A single adult eligible for the agency programme; n makes the applicant unique."""
    return {
        "reference": f"CR-{n}",
        "applicant": {
            "given_name": "Maria",
            "family_name": "Rossi",
            "codice_fiscale": codice_fiscale(n),
            "birth_date": "1980-01-01",
        },
        "residence_comune": comune,
        "resides_in_lombardy": True,
        "legal_status": {"citizenship": "italian"},
        "isee": {
            "value_cents": 900_000,
            "issued_on": f"{date.today().year}-02-01",
            "equivalence_scale": "1",
        },
        "net_monthly_income_cents": 120_000,
        "contacts": {"email": f"household{n}@example.org", "mobile": "+393331234567"},
        "consents": {"contact_email": True, "contact_sms": True},
    }
