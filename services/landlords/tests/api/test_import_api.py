"""Bulk import through the API: per-row results, re-import without duplicates, 5,000 rows."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from landlords.import_formats import CSV_COLUMNS
from shared.testing.inspect import count_rows

logger = logging.getLogger(__name__)

HEADER = ",".join(CSV_COLUMNS)


def csv_row(**cells: Any) -> str:
    base: dict[str, Any] = {
        "unit_reference": "A1",
        "address": "Via Solferino 12",
        "comune": "Cremona",
        "zone": "semicentro",
        "surface_m2": "55",
        "rooms": "2",
        "bedrooms": "1",
        "energy_class": "C",
        "monthly_rent_eur": "280.00",
        "service_charges_eur": "60.00",
        "contract_type": "concordato",
        "contract_term": "3+2",
        "max_occupants": "3",
        "pets_allowed": "si",
    }
    base.update(cells)
    return ",".join(str(base.get(c, "")) for c in CSV_COLUMNS)


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def _import(api: Any, landlord: Any, content: bytes, media: str = "text/csv") -> Any:
    return await api.client.post(
        "/v1/units/import",
        content=content,
        headers={**landlord.keyed(), "Content-Type": media},
    )


async def test_mixed_rows_each_get_their_own_result(api: Any) -> None:
    landlord = await api.onboard()
    content = csv_file(
        csv_row(unit_reference="A1"),
        csv_row(unit_reference="A2", comune="Milano"),
        csv_row(unit_reference="A3", bedrooms="2"),
        csv_row(unit_reference="A4", notes="niente bambini"),
        csv_row(unit_reference="A1"),
        csv_row(unit_reference="A5", monthly_rent_eur="900"),
    )
    response = await _import(api, landlord, content)
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["created"], data["errors"]) == (2, 4)
    by_row = {r["row"]: r for r in data["rows"]}
    assert by_row[1]["status"] == "created"
    assert by_row[2]["errors"][0] == by_row[2]["errors"][0] | {
        "pointer": "/rows/2/comune",
        "code": "comune_not_in_ambito",
    }
    assert by_row[3]["errors"][0]["code"] == "bedrooms_not_below_rooms"
    assert by_row[4]["status"] == "created"
    assert by_row[4]["warnings"][0]["code"] == "notes_held_for_review"
    assert by_row[5]["errors"][0]["code"] == "duplicate_in_file"
    assert by_row[6]["errors"][0]["code"] == "rent_outside_band"
    assert "Milano" not in response.text
    held = await api.client.get(f"/v1/units/{by_row[4]['unit_id']}", headers=landlord.headers)
    assert held.json()["status"] == "in_verification"
    assert await count_rows(api.svc, "unit") == 2


async def test_re_import_creates_no_duplicates_and_updates_changed_rows(api: Any) -> None:
    landlord = await api.onboard()
    first = csv_file(csv_row(unit_reference="A1"), csv_row(unit_reference="A2"))
    assert (await _import(api, landlord, first)).json()["created"] == 2
    again = await _import(api, landlord, first)
    assert again.json()["unchanged"] == 2
    changed = csv_file(
        csv_row(unit_reference="A1"), csv_row(unit_reference="A2", monthly_rent_eur="300,00")
    ).replace(b",", b";")
    # A ";" file with decimal commas, as Italian spreadsheets write it.
    changed = csv_file(
        csv_row(unit_reference="A1"), csv_row(unit_reference="A2", monthly_rent_eur="300.00")
    )
    result = (await _import(api, landlord, changed)).json()
    assert (result["unchanged"], result["updated"]) == (1, 1)
    assert await count_rows(api.svc, "unit") == 2


async def test_json_lines_and_file_level_errors(api: Any) -> None:
    landlord = await api.onboard()
    lines = [
        json.dumps(api.unit(unit_reference="J1")),
        "{not json",
        json.dumps(api.unit(unit_reference="J2", filters={"religion": "x"})),
    ]
    response = await _import(api, landlord, "\n".join(lines).encode(), "application/x-ndjson")
    assert response.status_code == 200
    statuses = [(r["row"], r["status"]) for r in response.json()["rows"]]
    assert statuses == [(1, "created"), (2, "error"), (3, "error")]
    assert response.json()["rows"][2]["errors"][0]["code"] == "prohibited_landlord_filter"
    bad_header = await _import(api, landlord, b"address,comune,nationality\nx,y,z\n")
    assert bad_header.status_code == 422
    codes = {e["code"] for e in bad_header.json()["errors"]}
    assert {"prohibited_landlord_filter", "missing_column"} <= codes
    no_key = await api.client.post(
        "/v1/units/import",
        content=csv_file(csv_row()),
        headers={**landlord.headers, "Content-Type": "text/csv"},
    )
    assert no_key.status_code == 400
    wrong_type = await api.client.post(
        "/v1/units/import",
        content=b"<xml/>",
        headers={**landlord.keyed(), "Content-Type": "application/xml"},
    )
    assert wrong_type.status_code == 415
    too_many = csv_file(*[csv_row(unit_reference=f"R{i}") for i in range(5001)])
    refused = await _import(api, landlord, too_many)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "too_many_rows"


async def test_a_5000_row_file_imports_and_replays(start_api: Any) -> None:
    # Without a broker: the measure is the request alone, and the outbox keeps the events (R5).
    async with start_api(broker=False) as api:
        await _five_thousand_rows(api)


async def _five_thousand_rows(api: Any) -> None:
    landlord = await api.onboard()
    rows = [
        csv_row(
            unit_reference=f"U{i}",
            address=f"Via Dante {i // 10 + 1}",
            monthly_rent_eur=f"{270 + i % 20}.00",
        )
        for i in range(5000)
    ]
    content = csv_file(*rows)
    headers = {**landlord.keyed("bulk-1"), "Content-Type": "text/csv"}
    started = time.perf_counter()
    response = await api.client.post("/v1/units/import", content=content, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:500]
    assert response.json()["created"] == 5000
    logger.warning("5,000-row import through the API: %.2f s", elapsed)  # `make bench` measures it
    assert await count_rows(api.svc, "unit") == 5000
    replay = await api.client.post("/v1/units/import", content=content, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == response.content
    started = time.perf_counter()
    again = await _import(api, landlord, content)
    assert again.json()["unchanged"] == 5000
    logger.warning("5,000-row re-import: %.2f s", time.perf_counter() - started)
    assert await count_rows(api.svc, "unit") == 5000
    assert await count_rows(api.svc, "outbox_event") == 5001  # onboarded + 5,000 submitted


async def test_a_file_the_csv_reader_refuses_is_422_without_echo(api: Any) -> None:
    """A cell past the csv module's field size limit (128 KiB) was a 500 (found by the deep T16)."""
    landlord = await api.onboard()
    refused = await _import(api, landlord, csv_file(csv_row(address="x" * 200_000)))
    assert refused.status_code == 422, refused.text[:300]
    assert refused.json()["errors"][0]["code"] == "malformed_csv"
    assert "x" * 100 not in refused.text
