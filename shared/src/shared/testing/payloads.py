"""Valid request bodies for cross-service tests (bus, chaos): one place to follow the public APIs."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

from shared.fiscal_codes import codice_fiscale_check_char, partita_iva_check_digit


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


def partita_iva(n: int) -> str:
    """A partita IVA with a correct check digit, unique per n < 10**7."""
    first10 = f"01{n:07d}1"
    return first10 + partita_iva_check_digit(first10)


def landlord_onboarding(n: int) -> dict[str, Any]:
    """A cooperative onboarded by a caseworker; n makes its partita IVA unique."""
    return {
        "legal_form": "organisation",
        "kind": "sas_operator",
        "display_name": f"Cooperativa Casa {n}",
        "partita_iva": partita_iva(n),
        "email": "casa@example.org",
        "phone": "+390372000000",
        "language": "it",
    }


def unit_submission(n: int) -> dict[str, Any]:
    """A concordato bilocale in Cremona semicentro, inside its band; n makes its reference unique."""
    return {
        "unit_reference": f"U{n}",
        "address": "Via Solferino 12",
        "comune": "Cremona",
        "zone": "semicentro",
        "surface_m2": "55",
        "rooms": 2,
        "bedrooms": 1,
        "energy_class": "C",
        "monthly_rent_eur": "280.00",
        "service_charges_eur": "60.00",
        "contract_type": "concordato",
        "contract_term": "3+2",
        "filters": {"max_occupants": 3, "pets_allowed": True},
    }
