"""Each service's migrations build exactly the schema its models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import MetaData

from shared.db import create_engine
from shared.messaging.streams import SERVICES
from shared.migrations import pending_diff, upgrade
from shared.testing.databases import DatabaseUrls


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models(service: str, database_urls: DatabaseUrls) -> None:
    metadata: MetaData = importlib.import_module(f"{service}.models").metadata
    engine = create_engine(database_urls.url(service))
    try:
        await upgrade(engine, service)
        await upgrade(engine, service)  # applying again is a no-op
        assert await pending_diff(engine, metadata) == []
    finally:
        await engine.dispose()
