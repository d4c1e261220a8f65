"""`seed_clients` loads the unit_test Ambito through the public APIs of the services running in
process on one real nats-server, and a re-run (finished, or after a crash) adds nothing."""

from __future__ import annotations

import base64
import json
import secrets
import stat
import sys
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from agency.cli import main
from agency.seed import KEYS_FILE, MARKER, seed_clients
from agency.synthetic import generate_ambito
from shared.auth import generate_signing_key
from shared.testing.services import DevKeys, ServiceStarter
from shared.testing.waiting import wait_until

TODAY = date.today()
SEED = 11
LINK_KEYS = json.dumps({"1": base64.b64encode(secrets.token_bytes(32)).decode()})


async def _count(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> int:
    total, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        r = await client.get(path, params=params, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        total += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return total


async def test_seed_through_the_apis_then_reruns_add_nothing(
    start_service: ServiceStarter, dev_keys: DevKeys, tmp_path: Path
) -> None:
    ambito = generate_ambito(scale="unit_test", seed=SEED, today=TODAY)
    async with AsyncExitStack() as stack:
        svcs = {
            name: await stack.enter_async_context(start_service(name, **extra))
            for name, extra in (
                ("registry", {}),
                ("landlords", {}),
                ("matching", {"link_keys": LINK_KEYS, "public_base_url": "http://matching.test"}),
            )
        }
        clients = {name: svc.client for name, svc in svcs.items()}
        staff = dev_keys.headers("caseworker")

        async def seed() -> Any:
            return await seed_clients(
                var=tmp_path,
                clients=clients,
                signer=dev_keys.signer,
                scale="unit_test",
                seed=SEED,
                today=TODAY,
                settle_s=20,
                progress=sys.stderr,
            )

        summary = await seed()
        assert summary.rejected == ()
        assert summary.households_registered == len(ambito.households) == 40
        assert summary.households_eligible == 40
        assert summary.landlords == len(ambito.landlords)
        assert summary.units_imported == summary.units_published == 8
        assert (summary.matching_households, summary.matching_units) == (40, 8)

        async def counts() -> tuple[int, int, int, int]:
            pool = (await clients["matching"].get("/v1/pool", headers=staff)).json()
            return (
                await _count(clients["registry"], "/v1/households", staff),
                await _count(clients["landlords"], "/v1/landlords", staff),
                await _count(clients["landlords"], "/v1/units", staff),
                pool["households"] + pool["units"],
            )

        first = await counts()
        assert first == (40, len(ambito.landlords), 8, 48)
        published = await _count(clients["landlords"], "/v1/units?status=published", staff)
        assert published == 8
        marker = json.loads((tmp_path / MARKER).read_text())
        assert (marker["scale"], marker["seed"], marker["units_published"]) == (
            "unit_test",
            SEED,
            8,
        )
        keys_file = tmp_path / KEYS_FILE
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
        assert len(json.loads(keys_file.read_text())) == len(ambito.landlords)

        again = await seed()
        assert again.already_seeded
        assert again.units_published == 8
        assert await counts() == first

        # A crash before the marker, even one that lost the landlords' keys: the keyed writes
        # replay, lost keys are re-issued by rotation, nothing is doubled.
        (tmp_path / MARKER).unlink()
        keys_file.unlink()
        resumed = await seed()
        assert resumed.rejected == ()
        assert not resumed.already_seeded
        assert (resumed.households_registered, resumed.households_eligible) == (40, 40)
        assert (resumed.landlords, resumed.units_published) == (len(ambito.landlords), 8)

        async def settled() -> bool:
            return await counts() == first

        await wait_until(settled, within=10)


def test_cli_says_in_one_line_when_the_stack_is_not_running(tmp_path: Path, capsys: Any) -> None:
    generate_signing_key(tmp_path / "keys")
    code = main(["--var", str(tmp_path), "seed", "--base-port", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "does not answer" in err
    assert "agency up" in err


def test_cli_without_keys_points_to_agency_up(tmp_path: Path, capsys: Any) -> None:
    assert main(["seed", "--var", str(tmp_path / "none")]) == 1
    assert "agency up" in capsys.readouterr().err
