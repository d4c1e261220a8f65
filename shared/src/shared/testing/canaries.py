"""Canary PII for the leak scans of RELIABILITY.md T20, T21 and T23.

Each synthetic household carries unique, recognisable values in every personal field; the
scanners then look for them in any text, every table of a database and every stream message.

    canaries = CanarySet.generate(100)
    body = canaries.households[0].registration()      # a valid registry POST /v1/households body
    findings = canaries.find(text, where="logs")     # [] when nothing leaked
    findings += await scan_database(url, canaries, where="matching")
    findings += await scan_streams(js, canaries)       # js: a JetStream context of the ops user
    assert not findings, summary(findings)

Numbers are matched only as whole numbers (no digit on either side), in cents and in euros.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from shared.testing.payloads import codice_fiscale

Kind = Literal["name", "codice_fiscale", "phone", "email", "isee", "income", "certificate", "note"]
KINDS: tuple[Kind, ...] = (
    "name",
    "codice_fiscale",
    "phone",
    "email",
    "isee",
    "income",
    "certificate",
    "note",
)
# RELIABILITY.md T21: these may exist only in the registry database and the household's export.
SPECIAL: frozenset[Kind] = frozenset({"isee", "income", "certificate"})
# ...and these also in the fake providers' records of messages to that household.
CONTACT: frozenset[Kind] = frozenset({"phone", "email"})


# The shapes of generated canaries; numbers only as whole numbers (no digit on either side).
_SHAPES = (
    r"kanari[a-z]{7}",  # names
    r"kanari\.[a-z]{4}\.\d+@leak\.example",  # emails
    r"[a-z]{6}80a01d150[a-z]",  # codici fiscali
    r"certkan[a-z]{4}\d{4}",  # certificate references
    r"notekan-[a-z]{4}-\d{4}",  # notes
    r"(?<![\d.])\d{6,12}(?![\d])",  # cents and phone numbers
    r"(?<![\d.])\d{4,6}\.\d\d(?!\d)",  # euros
)


def _letters(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        n, r = divmod(n, 26)
        out += string.ascii_lowercase[r]
    return out


@dataclass(frozen=True)
class HouseholdCanaries:
    """One household's canaries; `note` travels in `reference`, the only free-form household
    field (the registry has no free-text notes by design: DOMAIN.md 5, RELIABILITY.md 4.2)."""

    index: int
    name: str
    codice_fiscale: str
    phone: str
    email: str
    isee_cents: int
    income_cents: int
    certificate: str
    note: str

    def forms(self) -> dict[Kind, tuple[str, ...]]:
        """Every spelling a leak could take: numbers in cents and in euros, phones with or without +39."""
        return {
            "name": (self.name,),
            "codice_fiscale": (self.codice_fiscale,),
            "phone": (self.phone.removeprefix("+"), self.phone.removeprefix("+39")),
            "email": (self.email,),
            "isee": (str(self.isee_cents), _euros(self.isee_cents)),
            "income": (str(self.income_cents), _euros(self.income_cents)),
            "certificate": (self.certificate,),
            "note": (self.note,),
        }

    def registration(self, **overrides: Any) -> dict[str, Any]:
        """A valid registry registration (agency programme, Cremona) carrying every canary."""
        body: dict[str, Any] = {
            "reference": self.note,
            "applicant": {
                "given_name": self.name,
                "family_name": self.name,
                "codice_fiscale": self.codice_fiscale,
                "birth_date": "1980-01-01",
                "disability": {"disability_pct": 75, "certificate_reference": self.certificate},
            },
            "residence_comune": "Cremona",
            "resides_in_lombardy": True,
            "legal_status": {"citizenship": "italian"},
            "isee": {
                "value_cents": self.isee_cents,
                "issued_on": f"{date.today().year}-02-01",
                "equivalence_scale": "1",
            },
            "net_monthly_income_cents": self.income_cents,
            "contacts": {"email": self.email, "mobile": self.phone, "preferred_channel": "email"},
            "consents": {"contact_email": True, "contact_sms": True},
        }
        body.update(overrides)
        return body


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class Finding:
    where: str
    kind: Kind
    household: int
    value: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} canary of household {self.household} ({self.value})"


class CanarySet:
    """Households' canaries and one compiled pattern that finds any of them in a text."""

    def __init__(self, households: Sequence[HouseholdCanaries]) -> None:
        self.households = list(households)
        self._owner: dict[str, tuple[Kind, int]] = {}
        for h in self.households:
            for kind, forms in h.forms().items():
                for form in forms:
                    self._owner[form.lower()] = (kind, h.index)
        # A few cheap patterns that find candidates of every shape `generate` makes, then an exact
        # lookup: one alternation of a thousand literals would scan a large text far too slowly.
        self._patterns = [re.compile(p, re.IGNORECASE) for p in _SHAPES]
        unmatched = [f for f in self._owner if not any(p.fullmatch(f) for p in self._patterns)]
        if unmatched:
            raise ValueError(f"canaries of no known shape: {unmatched[:3]}")

    @classmethod
    def generate(cls, count: int, *, run: str | None = None) -> CanarySet:
        """`count` households; `run` (random by default) keeps canaries unique across runs."""
        token = run or _letters(secrets.randbelow(26**4), 4)
        offset = secrets.randbelow(1_000) if run is None else 0
        households = []
        for i in range(count):
            n = offset + i
            households.append(
                HouseholdCanaries(
                    index=i,
                    name=f"Kanari{token.capitalize()}{_letters(i, 3)}",
                    # The first six letters of a codice fiscale come from n: unique in the run.
                    codice_fiscale=codice_fiscale(26**5 + 7919 * n + 13),
                    phone=f"+39347{9_000_000 + 37 * n + 1:07d}"[:13],
                    email=f"kanari.{token}.{i}@leak.example",
                    # Eligible (ISEE well under the agency ceiling) and affordable; the last digit is never
                    # 0, so euros print the same however a Decimal is rendered.
                    isee_cents=1_700_001 + 1_010 * n,
                    income_cents=2_300_003 + 1_010 * n,
                    certificate=f"CERTKAN{token.upper()}{i:04d}",
                    note=f"NOTEKAN-{token.upper()}-{i:04d}",
                )
            )
        return cls(households)

    def values(self, kinds: Iterable[Kind] = KINDS) -> list[str]:
        wanted = set(kinds)
        return [f for f, (k, _h) in self._owner.items() if k in wanted]

    def find(self, text: str, *, where: str) -> list[Finding]:
        found: dict[tuple[Kind, int, str], Finding] = {}
        for pattern in self._patterns:
            for match in pattern.finditer(text):
                owner = self._owner.get(match.group(0).lower())
                if owner is None:
                    continue
                kind, household = owner
                found.setdefault(
                    (kind, household, match.group(0)),
                    Finding(where=where, kind=kind, household=household, value=match.group(0)),
                )
        return list(found.values())


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


async def scan_database(url: str, canaries: CanarySet, *, where: str) -> list[Finding]:
    """Every column of every row of every table (SQLite or PostgreSQL), as `where.table.column`."""
    engine = create_async_engine(url)
    findings: list[Finding] = []
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            for table in metadata.sorted_tables:
                result = await conn.execute(select(table))
                for row in result.mappings():
                    for column, value in row.items():
                        if value is None:
                            continue
                        findings += canaries.find(
                            _text(value), where=f"{where}.{table.name}.{column}"
                        )
    finally:
        await engine.dispose()
    return _dedupe(findings)


async def database_texts(url: str) -> dict[str, list[str]]:
    """`table.column` -> every non-null value as text: for searching secrets other than canaries."""
    engine = create_async_engine(url)
    out: dict[str, list[str]] = {}
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            for table in metadata.sorted_tables:
                for column in table.columns:
                    out[f"{table.name}.{column.name}"] = []
                for row in (await conn.execute(select(table))).mappings():
                    for column, value in row.items():
                        if value is not None:
                            out[f"{table.name}.{column}"].append(_text(value))
    finally:
        await engine.dispose()
    return out


async def stream_texts(js: JetStreamContext) -> list[tuple[str, str]]:
    """(`stream:seq subject`, subject + headers + data) for every message of every stream."""
    out: list[tuple[str, str]] = []
    for info in await js.streams_info():
        state = info.state
        if not state.messages:
            continue
        name = info.config.name or ""
        for seq in range(state.first_seq, state.last_seq + 1):
            try:
                msg = await js.get_msg(name, seq)
            except NotFoundError:  # a message deleted from the middle of a stream
                continue
            headers = json.dumps(dict(msg.headers or {}))
            data = (msg.data or b"").decode("utf-8", errors="replace")
            out.append((f"stream {name}:{seq} {msg.subject}", f"{msg.subject}\n{headers}\n{data}"))
    return out


async def scan_streams(js: JetStreamContext, canaries: CanarySet) -> list[Finding]:
    """Every stream's every message: subject, headers and payload."""
    findings: list[Finding] = []
    for where, text in await stream_texts(js):
        findings += canaries.find(text, where=where)
    return _dedupe(findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def summary(findings: Sequence[Finding], *, limit: int = 20) -> str:
    lines = [str(f) for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more")
    return "\n".join(lines)
