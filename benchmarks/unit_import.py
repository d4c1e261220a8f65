"""`make bench`, landlords: a 5,000-row unit import through the API (issue: "finishes in seconds").

The landlords app runs in process with its real lifespan, migrations and a SQLite file (the
embedded stack's database), without a broker: the events stay in the outbox, as they would while
NATS is away, so the figure is the request alone. Each figure is one request's wall time.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from landlords.app import create_app
from landlords.import_formats import CSV_COLUMNS
from landlords.settings import Settings
from shared.auth import generate_signing_key
from shared.testing.databases import DatabaseUrls
from shared.testing.payloads import landlord_onboarding, unit_submission
from shared.testing.services import DevKeys, settings_for

ROWS = 5000


def _unit(i: int) -> dict[str, Any]:
    return {**unit_submission(i), "address": f"Via Dante {i // 10 + 1}"}


def _csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for i in range(rows):
        unit = _unit(i)
        filters = unit.pop("filters")
        pets = "si" if filters.get("pets_allowed") else "no"
        writer.writerow({**unit, "max_occupants": filters["max_occupants"], "pets_allowed": pets})
    return out.getvalue().encode()


def _ndjson(rows: int) -> bytes:
    return "".join(json.dumps(_unit(i)) + "\n" for i in range(rows)).encode()


async def _timed(client: httpx.AsyncClient, **request: Any) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await client.request("POST", "/v1/units/import", **request)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"import answered {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return elapsed, body


async def _measure(tmp: Path) -> list[tuple[str, float, str]]:
    logging.getLogger("shared.messaging").setLevel(logging.CRITICAL)  # no broker, on purpose
    private, jwks = generate_signing_key(tmp / "keys")
    keys = DevKeys(private_key=private, jwks=jwks)
    settings = settings_for(
        "landlords", database_urls=DatabaseUrls(tmp, None), nats=None, keys=keys
    )
    assert isinstance(settings, Settings)
    app: FastAPI = create_app(settings)
    rows: list[tuple[str, float, str]] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://landlords.bench", timeout=300
        ) as client:
            for n, (fmt, content_type, content) in enumerate(
                [
                    ("CSV", "text/csv", _csv(ROWS)),
                    ("JSON lines", "application/x-ndjson", _ndjson(ROWS)),
                ]
            ):
                onboarded = await client.post(
                    "/v1/landlords",
                    json=landlord_onboarding(9800 + n),
                    headers={**keys.headers("caseworker"), "Idempotency-Key": uuid.uuid4().hex},
                )
                if onboarded.status_code != 201:
                    raise RuntimeError(f"onboarding answered {onboarded.status_code}")
                auth = {"Authorization": f"Bearer {onboarded.json()['api_key']}"}
                key = {"Idempotency-Key": uuid.uuid4().hex, "Content-Type": content_type}
                first = {"content": content, "headers": {**auth, **key}}
                elapsed, body = await _timed(client, **first)
                rows.append((f"{fmt}: first import", elapsed, f"created {body['created']}"))
                elapsed, body = await _timed(client, **first)
                rows.append((f"{fmt}: same key again", elapsed, "replayed response"))
                again = {**key, "Idempotency-Key": uuid.uuid4().hex}
                elapsed, body = await _timed(client, content=content, headers={**auth, **again})
                rows.append((f"{fmt}: re-sent file", elapsed, f"unchanged {body['unchanged']}"))
    return rows


def unit_import_table(tmp: Path) -> str:
    rows = asyncio.run(_measure(tmp))
    lines = [
        f"### Unit import: {ROWS:,} rows in one request (landlords API, SQLite, no broker)",
        "",
        "| request | wall s | result |",
        "|---|---|---|",
        *(f"| {name} | {elapsed:.2f} | {result} |" for name, elapsed, result in rows),
    ]
    return "\n".join(lines)
