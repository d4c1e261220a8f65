"""T20 secret hygiene: detect-secrets finds nothing new against the committed baseline; no API key,
link token, staff token or configured secret is stored in any column of any service's database;
no secret shows in repr(settings) of any service."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

import pytest
from conftest import StackStarter
from detect_secrets.core import baseline
from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.settings import transient_settings

from shared.testing.canaries import CanarySet, database_texts
from shared.testing.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "landlords", "matching", "notifications")


def _repository_files() -> list[str]:
    """Tracked files and new files that git does not ignore, as the pre-commit hook would see."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


def test_detect_secrets_finds_nothing_beyond_the_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # detect-secrets keys findings by path relative to the repository
    data = baseline.load_from_file(str(ROOT / ".secrets.baseline"))
    with transient_settings(
        {"plugins_used": data["plugins_used"], "filters_used": data["filters_used"]}
    ):
        known = baseline.load(data, str(ROOT / ".secrets.baseline"))
        current = SecretsCollection()
        current.scan_files(*_repository_files(), num_processors=2)
    new = current - known
    findings = [(f, s.type, s.line_number) for f, s in new]
    assert not findings, f"new secrets (audit them into .secrets.baseline if false): {findings}"
    assert all(not s.is_secret for _f, s in known), "a baseline entry audited as a real secret"


def _secret_part(api_key: str) -> str:
    return api_key.split("_", 2)[2]  # lk_<key id>_<secret>: the id is stored, the secret never


async def test_no_issued_key_or_token_is_stored_in_plaintext(stack: StackStarter) -> None:
    canaries = CanarySet.generate(2)
    async with stack() as s:
        lid, key = await s.onboard("Cooperativa Segreti")
        unit = await s.unit(key, note="secret hygiene")
        rotated = await s.client("landlords").post(
            f"/v1/landlords/{lid}/api-keys",
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": s.next_key()},
        )
        assert rotated.status_code == 201, rotated.text
        keys = [key, rotated.json()["api_key"]]
        for h in canaries.households:
            await s.register(h)
        await s.rows_reach("matching", "household_profile", 2)
        await s.rows_reach("matching", "unit_listing", 1)
        done = await s.round()
        (offer,) = await s.offers(done["id"])
        assert offer["unit_id"] == unit
        link = await s.client("matching").get(
            f"/internal/v1/offers/{offer['id']}/link",
            headers=s.service_token("notifications", "matching"),
        )
        assert link.status_code == 200, link.text
        view_token = link.json()["url"].rsplit("/h/", 1)[1]
        page = await s.client("matching").get(f"/h/{view_token}")
        assert page.status_code == 200, page.text
        action = page.text.split('action="', 1)[1].split('"', 1)[0]
        answer_token = action.split("/h/", 1)[1].split("/", 1)[0]
        await wait_until(s.settled, within=30)
        secrets_issued = {
            **{f"api key {i}": k for i, k in enumerate(keys)},
            **{f"api key secret {i}": _secret_part(k) for i, k in enumerate(keys)},
            "view link": view_token,
            "answer link": answer_token,
            **{f"staff token {i}": t for i, t in enumerate(s.tokens)},
        }
        for name in SERVICES:
            settings = s.services[name].runtime.settings
            secrets_issued[f"{name} nats password"] = settings.nats_password.get_secret_value()
        link_keys = s.services["matching"].runtime.settings.link_keys
        secrets_issued["link key"] = link_keys.get_secret_value().split('"')[3]
        found = []
        columns = 0
        for name in SERVICES:
            for column, values in (await database_texts(s.database_url(name))).items():
                columns += 1
                for label, secret in secrets_issued.items():
                    if any(secret in v for v in values):
                        found.append(f"{label} in {name}.{column}")
    assert columns > 100
    assert len(s.tokens) > 5
    assert not found, found


def test_no_secret_in_the_repr_of_any_settings() -> None:
    service_url = "http://svc:urlPw-7f3a9c@127.0.0.1:8001"  # pragma: allowlist secret
    link_keys = '{"1": "bGlua0tleS03ZjNhOWMtMDEyMzQ1Njc4OWFiY2RlZg=="}'  # pragma: allowlist secret
    secrets = {
        "nats_password": "natsPw-7f3a9c",  # pragma: allowlist secret
        "database_url": "postgresql+asyncpg://svc:dbPw-7f3a9c@127.0.0.1/svc",  # pragma: allowlist secret
        "jwt_jwks_url": "https://ops:jwksPw-7f3a9c@idp.example/jwks",  # pragma: allowlist secret
        "service_urls": {"registry": service_url},
    }
    extra = {
        "matching": {"link_keys": link_keys},
        "notifications": {
            "smtp_password": "smtpPw-7f3a9c",  # pragma: allowlist secret
            "sms_provider_key": "smsKey-7f3a9c",  # pragma: allowlist secret
            "sms_callback_secret": "receiptPw-7f3a9c",  # pragma: allowlist secret
            "sms_provider_url": "https://acct:smsUrlPw-7f3a9c@sms.example/",  # pragma: allowlist secret
        },
    }
    for name in SERVICES:
        settings_cls = importlib.import_module(f"{name}.settings").Settings
        settings = settings_cls(**secrets, **extra.get(name, {}))
        shown = repr(settings) + str(settings)
        assert "7f3a9c" not in shown, (name, shown)
        assert "bGlua0tleS" not in shown, name
        # The values themselves are intact for the code that uses them.
        assert "dbPw-7f3a9c" in settings.database_url
