"""CSV import of an existing caseload: one household per row, each row all or nothing."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from registry.audit import Actor
from registry.errors import DuplicateApplication, HouseholdInvalid
from registry.rules_policy import RegistryRules
from registry.schemas import HouseholdCreate
from registry.service import households
from registry.views import ImportResult, ImportRowResult
from shared.db import UnitOfWork
from shared.errors import FieldError, Invalid

MAX_ROWS = 5000

# The documented template (GET /v1/households/import/template). Amounts in euros with at most
# two decimals ("1200.50" or "1200,50"); dates ISO (YYYY-MM-DD); booleans true/false/1/0/si/no;
# lists separated by ";"; other members as "relation:birth_date:codice_fiscale:given:family"
# separated by "|".
TEMPLATE_COLUMNS = (
    "reference",
    "given_name",
    "family_name",
    "codice_fiscale",
    "birth_date",
    "citizenship",
    "residence_comune",
    "work_comune",
    "resides_in_lombardy",
    "works_in_lombardy",
    "isee_eur",
    "isee_issued_on",
    "isee_equivalence_scale",
    "net_monthly_income_eur",
    "rent_support_eur",
    "housing_condition",
    "step_free",
    "wheelchair",
    "pets",
    "smoker",
    "acceptable_comuni",
    "email",
    "mobile",
    "language",
    "consent_email",
    "consent_sms",
    "other_members",
)
REQUIRED = ("reference", "given_name", "family_name", "codice_fiscale", "birth_date", "citizenship")


def template() -> str:
    return ",".join(TEMPLATE_COLUMNS) + "\n"


class _CellError(ValueError):
    def __init__(self, column: str, code: str, message: str) -> None:
        super().__init__(message)
        self.error = FieldError(f"/{column}", code, message)


def _cents(column: str, value: str) -> int | None:
    if not value:
        return None
    text = value.replace(",", ".") if "." not in value else value.replace(",", "")
    try:
        cents = Decimal(text) * 100
    except InvalidOperation:
        raise _CellError(column, "amount", "an amount in euros, e.g. 1200.50") from None
    if cents != cents.to_integral_value() or cents < 0:
        raise _CellError(column, "amount", "a non-negative amount with at most two decimals")
    return int(cents)


def _flag(column: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("", "0", "false", "no", "n"):
        return False
    if lowered in ("1", "true", "si", "sì", "yes", "y"):
        return True
    raise _CellError(column, "boolean", "true/false, 1/0 or si/no")


def _members(value: str) -> list[dict[str, Any]]:
    out = []
    for chunk in filter(None, (c.strip() for c in value.split("|"))):
        parts = chunk.split(":")
        if len(parts) != 5:
            raise _CellError(
                "other_members", "member_format", "relation:birth_date:codice_fiscale:given:family"
            )
        relation, birth, code, given, family = (p.strip() for p in parts)
        out.append(
            {
                "relation": relation,
                "birth_date": birth,
                "codice_fiscale": code,
                "given_name": given,
                "family_name": family,
            }
        )
    return out


def row_to_body(row: dict[str, str]) -> dict[str, Any]:
    """A template row as a registration body; raises _CellError naming the column."""
    cell = {k: (row.get(k) or "").strip() for k in TEMPLATE_COLUMNS}
    for column in REQUIRED:
        if not cell[column]:
            raise _CellError(column, "missing", "required")
    isee_cents = _cents("isee_eur", cell["isee_eur"])
    body: dict[str, Any] = {
        "reference": cell["reference"],
        "applicant": {
            "given_name": cell["given_name"],
            "family_name": cell["family_name"],
            "codice_fiscale": cell["codice_fiscale"],
            "birth_date": cell["birth_date"],
        },
        "members": _members(cell["other_members"]),
        "residence_comune": cell["residence_comune"] or None,
        "work_comune": cell["work_comune"] or None,
        "resides_in_lombardy": _flag("resides_in_lombardy", cell["resides_in_lombardy"]),
        "works_in_lombardy": _flag("works_in_lombardy", cell["works_in_lombardy"]),
        "legal_status": {"citizenship": cell["citizenship"]},
        "isee": (
            {
                "value_cents": isee_cents,
                "issued_on": cell["isee_issued_on"],
                "equivalence_scale": cell["isee_equivalence_scale"] or "1",
            }
            if isee_cents is not None
            else None
        ),
        "net_monthly_income_cents": _cents(
            "net_monthly_income_eur", cell["net_monthly_income_eur"]
        ),
        "rent_support_cents": _cents("rent_support_eur", cell["rent_support_eur"]) or 0,
        "housing_condition": cell["housing_condition"] or "adequate",
        "needs": {
            "step_free": _flag("step_free", cell["step_free"]),
            "wheelchair": _flag("wheelchair", cell["wheelchair"]),
        },
        "preferences": {
            "pets": _flag("pets", cell["pets"]),
            "smoker": _flag("smoker", cell["smoker"]),
            "acceptable_comuni": [
                c.strip() for c in cell["acceptable_comuni"].split(";") if c.strip()
            ],
        },
        "contacts": {"email": cell["email"] or None, "mobile": cell["mobile"] or None},
        "language": cell["language"] or "it",
        "consents": {
            "contact_email": _flag("consent_email", cell["consent_email"]),
            "contact_sms": _flag("consent_sms", cell["consent_sms"]),
        },
    }
    return body


def parse(text: str) -> list[dict[str, str]]:
    try:
        return _parse(text)
    except csv.Error:  # a NUL byte, an unterminated quote, a field past the size limit
        raise Invalid([FieldError("/body", "malformed_csv", "the body is not valid CSV")]) from None


def _parse(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in TEMPLATE_COLUMNS]
    if missing or unknown:
        raise Invalid(
            [
                FieldError(
                    "/body/header",
                    "template_mismatch",
                    "the header must use the template's columns",
                )
            ]
        )
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        raise Invalid([FieldError("/body", "too_many_rows", f"at most {MAX_ROWS} rows")])
    return rows


def _pydantic_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "pointer": "/" + "/".join(str(p) for p in e["loc"]),
            "code": str(e["type"]),
            "message": str(e["msg"]),
        }
        for e in exc.errors(include_input=False, include_url=False, include_context=False)
    ]


async def import_caseload(
    uow: UnitOfWork,
    *,
    text: str,
    rules: RegistryRules,
    actor: Actor,
    new_id: Callable[[], uuid.UUID],
    now: datetime,
) -> ImportResult:
    """Register each valid row in its own savepoint; report every row's outcome, never its data."""
    results: list[ImportRowResult] = []
    for number, row in enumerate(parse(text), start=2):  # line 1 is the header
        try:
            data = HouseholdCreate.model_validate(row_to_body(row))
        except _CellError as exc:
            results.append(
                ImportRowResult(row=number, outcome="invalid", errors=[exc.error.as_dict()])
            )
            continue
        except ValidationError as exc:
            results.append(
                ImportRowResult(row=number, outcome="invalid", errors=_pydantic_errors(exc))
            )
            continue
        household_id = new_id()
        try:
            async with uow.session.begin_nested():
                await households.register(
                    uow, data=data, rules=rules, actor=actor, household_id=household_id, now=now
                )
        except DuplicateApplication as exc:
            existing = exc.extra.get("existing_application_id")
            results.append(
                ImportRowResult(
                    row=number,
                    outcome="duplicate",
                    existing_household_id=uuid.UUID(str(existing)) if existing else None,
                )
            )
            continue
        except HouseholdInvalid as exc:
            results.append(
                ImportRowResult(
                    row=number, outcome="invalid", errors=[e.as_dict() for e in exc.errors]
                )
            )
            continue
        results.append(ImportRowResult(row=number, outcome="created", household_id=household_id))
    created = sum(r.outcome == "created" for r in results)
    return ImportResult(
        rows=len(results), created=created, rejected=len(results) - created, results=results
    )
