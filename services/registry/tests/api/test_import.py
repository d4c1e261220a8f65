"""CSV import of a caseload: the template, per-row results, duplicates by codice fiscale, no partial rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from shared.testing.inspect import rows

Started = Callable[..., Any]  # the `started` fixture: async with started() as registry


def _csv(header: list[str], lines: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue()


async def test_an_import_reports_each_row_and_creates_only_whole_valid_rows(
    started: Started, cf: Callable[..., str]
) -> None:
    async with started() as registry:
        template = await registry.client.get(
            "/v1/households/import/template", headers=registry.staff()
        )
        assert template.status_code == 200
        assert template.headers["content-type"].startswith("text/csv")
        header = template.text.strip().split(",")
        existing = await registry.registered()
        code_a, code_b, child = cf(), cf(), cf()
        base = {
            "given_name": "Anna", "family_name": "Bianchi", "birth_date": "1970-04-04",
            "citizenship": "italian", "residence_comune": "Cremona", "isee_eur": "9000,50",
            "isee_issued_on": "2026-02-01", "net_monthly_income_eur": "1200",
            "email": "anna@example.org", "consent_email": "si",
        }  # fmt: skip
        lines = [
            {**base, "reference": "A", "codice_fiscale": code_a,
             "other_members": f"child:2012-01-01:{child}:Luca:Bianchi"},
            {**base, "reference": "B", "codice_fiscale": code_b, "residence_comune": "Milano"},
            {**base, "reference": "C", "codice_fiscale": existing["applicant"]["codice_fiscale"]},
            {**base, "reference": "D", "codice_fiscale": code_a},
            {**base, "reference": "E", "codice_fiscale": cf(valid=False)},
            {**base, "reference": "F", "codice_fiscale": cf(), "isee_eur": "9.000,5x"},
        ]  # fmt: skip
        text = _csv(header, lines)
        headers = registry.keyed()
        headers["Content-Type"] = "text/csv"
        response = await registry.client.post(
            "/v1/households/import", content=text, headers=headers
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["rows"], result["created"], result["rejected"]) == (6, 1, 5)
        outcomes = [(r["row"], r["outcome"]) for r in result["results"]]
        assert outcomes == [
            (2, "created"), (3, "invalid"), (4, "duplicate"), (5, "duplicate"), (6, "invalid"),
            (7, "invalid"),
        ]  # fmt: skip
        assert result["results"][2]["existing_household_id"] == existing["id"]
        assert result["results"][3]["existing_household_id"] == result["results"][0]["household_id"]
        assert result["results"][1]["errors"][0]["code"] == "comune_not_in_ambito"
        assert result["results"][5]["errors"][0]["pointer"] == "/isee_eur"
        for secret in (code_a, code_b, "Anna", "Milano", "anna@example.org"):
            assert secret not in response.text
        assert len(await rows(registry.svc, "household")) == 2
        assert len(await rows(registry.svc, "household_member")) == 3
        created = await registry.client.get(
            f"/v1/households/{result['results'][0]['household_id']}", headers=registry.staff()
        )
        view = created.json()
        assert view["size"] == 2
        assert view["isee"]["value_cents"] == 900_050

        replay = await registry.client.post("/v1/households/import", content=text, headers=headers)
        assert replay.content == response.content
        assert len(await rows(registry.svc, "household")) == 2


async def test_a_file_off_the_template_is_422(started: Started) -> None:
    async with started() as registry:
        headers = {**registry.keyed(), "Content-Type": "text/csv"}
        response = await registry.client.post(
            "/v1/households/import", content="name,surname\nA,B\n", headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "template_mismatch"
        missing_key = await registry.client.post(
            "/v1/households/import",
            content="x\n",
            headers={**registry.staff(), "Content-Type": "text/csv"},
        )
        assert missing_key.status_code in (400, 422)


async def test_a_file_the_csv_reader_refuses_is_422_without_echo(started: Started) -> None:
    """A cell past the csv module's field size limit (128 KiB) was a 500 (found by the deep T16)."""
    async with started() as registry:
        headers = {**registry.keyed(), "Content-Type": "text/csv"}
        huge = "reference" + "x" * 200_000 + "\n"
        response = await registry.client.post(
            "/v1/households/import", content=huge, headers=headers
        )
        assert response.status_code == 422, response.text[:300]
        assert response.json()["errors"][0]["code"] == "malformed_csv"
        assert "x" * 100 not in response.text
