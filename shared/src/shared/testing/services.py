"""In-process service apps for tests: real lifespan, real NATS, throwaway database, httpx client."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.auth import Signer, generate_signing_key
from shared.runtime.service import ServiceRuntime
from shared.settings import ServiceSettings
from shared.testing.databases import DatabaseUrls
from shared.testing.nats import NatsServer

# Fast-test settings (RELIABILITY.md 2.1 notes): no fast test waits on a production timeout.
FAST = {
    "relay_poll_s": 0.05,
    "relay_backoff_base_s": 0.02,
    "relay_backoff_cap_s": 0.2,
    "ack_wait_s": 2.0,
    "max_deliver": 5,
    "max_ack_pending": 20,
    "fetch_timeout_s": 0.5,
    "fetch_heartbeat_s": 0.0,  # as in production (see ServiceSettings)
    "nak_base_s": 0.01,
    "nak_cap_s": 0.05,
    "broker_lost_after_s": 2.0,
    "scheduler_enabled": False,
}


@dataclass(frozen=True)
class DevKeys:
    private_key: Path
    jwks: Path
    issuer: str = "agency-test"

    @property
    def signer(self) -> Signer:
        return Signer.from_file(self.private_key, issuer=self.issuer)

    def staff_token(self, *roles: str, sub: str = "caseworker-1") -> str:
        return self.signer.mint(sub=sub, audience="agency-api", roles=list(roles))

    def headers(self, *roles: str, sub: str = "caseworker-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_token(*roles, sub=sub)}"}


@pytest.fixture(scope="session")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> DevKeys:
    private, jwks = generate_signing_key(tmp_path_factory.mktemp("keys"))
    return DevKeys(private_key=private, jwks=jwks)


@dataclass
class RunningService:
    name: str
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime


ServiceStarter = Callable[..., AbstractAsyncContextManager[RunningService]]


def settings_for(
    service: str,
    *,
    database_urls: DatabaseUrls,
    nats: NatsServer | None,
    keys: DevKeys,
    **overrides: Any,
) -> ServiceSettings:
    settings_cls = importlib.import_module(f"{service}.settings").Settings
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_urls.url(service),
        "nats_url": nats.url if nats else "nats://127.0.0.1:1",
        "nats_user": service,
        "nats_password": nats.passwords[service] if nats else "none",
        "jwt_issuer": keys.issuer,
        "jwt_jwks_file": keys.jwks,
        "service_signing_key_file": keys.private_key,
        **FAST,
    }
    values.update(overrides)
    settings: ServiceSettings = settings_cls(**values)
    return settings


@pytest.fixture
def start_service(
    database_urls: DatabaseUrls, clean_streams: NatsServer, dev_keys: DevKeys
) -> ServiceStarter:
    """`async with start_service("registry") as svc:` runs the app's lifespan and gives a client."""

    @asynccontextmanager
    async def _start(
        service: str, *, broker: bool = True, **overrides: Any
    ) -> AsyncIterator[RunningService]:
        settings = settings_for(
            service,
            database_urls=database_urls,
            nats=clean_streams if broker else None,
            keys=dev_keys,
            **overrides,
        )
        app: FastAPI = importlib.import_module(f"{service}.app").create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url=f"http://{service}.test"
            ) as client:
                yield RunningService(name=service, app=app, client=client)

    return _start
