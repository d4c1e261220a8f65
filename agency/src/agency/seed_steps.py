"""The steps of a seed: register and verify households, onboard landlords, import and approve units."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agency.seed_client import SeedHttp

if TYPE_CHECKING:  # the generator (numpy, the services' rules) loads only when seeding
    from agency.synthetic import Ambito, SyntheticLandlord

KEYS_FILE = "demo-landlord-keys.json"


def write_private(path: Path, data: Any) -> None:
    """Write JSON readable by the owner only, replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@dataclass
class SeedRun:
    http: SeedHttp
    ambito: Ambito
    var: Path
    rejected: list[str] = field(default_factory=list)

    def key(self, kind: str, index: int) -> str:
        return f"seed-{self.ambito.seed}-{self.ambito.scale}-{kind}-{index}"

    async def households(self) -> tuple[int, int]:
        async def one(i: int, body: dict[str, Any]) -> tuple[bool, bool]:
            r = await self.http.staff(
                "registry", "POST", "/v1/households", json=body, key=self.key("household", i)
            )
            if r.status_code != 201:
                self.rejected.append(f"household {i}: {self.http.reason(r)}")
                return False, False
            view = r.json()
            if view["state"] == "submitted":
                v = await self.http.staff("registry", "POST", f"/v1/households/{view['id']}/verify")
                if v.status_code == 200:
                    view = v.json()
                else:  # 409: verified by an earlier, interrupted run
                    v = await self.http.staff("registry", "GET", f"/v1/households/{view['id']}")
                    view = v.json() if v.status_code == 200 else view
            return True, _eligible(view, "agency")

        results = await asyncio.gather(*(one(i, b) for i, b in enumerate(self.ambito.households)))
        return sum(r for r, _ in results), sum(e for _, e in results)

    async def landlords(self) -> dict[int, dict[str, str]]:
        path = self.var / KEYS_FILE
        keys: dict[int, dict[str, str]] = {}
        if path.exists():
            keys = {int(k): v for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
        lock = asyncio.Lock()

        async def one(landlord: SyntheticLandlord) -> None:
            if landlord.index in keys:
                return
            entry = await self.http.onboard(
                landlord.onboarding, key=self.key("landlord", landlord.index)
            )
            if isinstance(entry, str):
                self.rejected.append(f"landlord {landlord.index}: {entry}")
                return
            async with lock:
                keys[landlord.index] = entry
                write_private(path, {str(k): v for k, v in sorted(keys.items())})

        await asyncio.gather(*(one(landlord) for landlord in self.ambito.landlords))
        return keys

    async def units(self, keys: Mapping[int, Mapping[str, str]]) -> tuple[int, int]:
        async def one(landlord: SyntheticLandlord) -> tuple[int, int]:
            if landlord.index not in keys:
                return 0, 0
            content = "".join(json.dumps(u) + "\n" for u in landlord.units)
            r = await self.http.landlord(
                keys[landlord.index]["api_key"],
                "POST",
                "/v1/units/import",
                content=content.encode(),
                headers={"Content-Type": "application/x-ndjson"},
                key=self.key("import", landlord.index),
            )
            if r.status_code != 200:
                self.rejected.append(f"import {landlord.index}: {self.http.reason(r)}")
                return 0, 0
            imported = published = 0
            for row in r.json()["rows"]:
                if row["status"] == "error" or row.get("unit_id") is None:
                    codes = ",".join(e.get("code", "?") for e in row.get("errors", []))
                    self.rejected.append(f"unit {landlord.index}/{row['row']}: {codes}")
                    continue
                imported += 1
                published += await self.approve(row["unit_id"])
            return imported, published

        results = await asyncio.gather(*(one(landlord) for landlord in self.ambito.landlords))
        return sum(i for i, _ in results), sum(p for _, p in results)

    async def approve(self, unit_id: str) -> int:
        path = f"/v1/units/{unit_id}/verification"
        r = await self.http.staff("landlords", "POST", path, json={"outcome": "approve"})
        if r.status_code == 200:
            return 1
        current = await self.http.staff("landlords", "GET", f"/v1/units/{unit_id}")
        if current.status_code == 200 and current.json().get("status") == "published":
            return 1  # approved by an earlier, interrupted run
        self.rejected.append(f"verification {unit_id}: {self.http.reason(r)}")
        return 0


def _eligible(view: Mapping[str, Any], programme: str) -> bool:
    return any(
        p.get("programme") == programme and p.get("status") == "eligible"
        for p in view.get("programmes", [])
    )
