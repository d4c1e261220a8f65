"""Throwaway databases: a SQLite file per test, or per-run PostgreSQL databases truncated per test."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shared.messaging.streams import SERVICES

TEST_DATABASE_URL = "TEST_DATABASE_URL"
SCRATCH = "scratch"  # a database for tests of shared mechanisms, which create their own tables


def postgres_base_url() -> str | None:
    url = os.environ.get(TEST_DATABASE_URL)
    return url or None


async def _admin(base: str, statements: list[str]) -> None:
    engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for stmt in statements:
                await conn.execute(text(stmt))
    finally:
        await engine.dispose()


class PostgresDatabases:
    """One database per service for the whole run, migrated once, emptied before each test."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.prefix = f"t_{os.getpid()}_{secrets.token_hex(3)}"
        self.names = (*SERVICES, SCRATCH)
        self.urls = {
            s: make_url(base)
            .set(database=f"{self.prefix}_{s}")
            .render_as_string(hide_password=False)
            for s in self.names
        }
        self.migrated: set[str] = set()

    async def create(self) -> None:
        await _admin(self.base, [f'CREATE DATABASE "{self.prefix}_{s}"' for s in self.names])

    async def drop(self) -> None:
        await _admin(
            self.base,
            [f'DROP DATABASE IF EXISTS "{self.prefix}_{s}" WITH (FORCE)' for s in self.names],
        )

    async def truncate(self) -> None:
        for service in self.migrated:
            engine = create_async_engine(self.urls[service])
            try:
                async with engine.begin() as conn:
                    names = (
                        await conn.execute(
                            text(
                                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                "AND tablename <> 'alembic_version'"
                            )
                        )
                    ).scalars()
                    tables = ", ".join(f'"{n}"' for n in names)
                    if tables:
                        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            finally:
                await engine.dispose()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    base = postgres_base_url()
    if base is None:
        yield None
        return
    dbs = PostgresDatabases(base)
    asyncio.run(dbs.create())
    try:
        yield dbs
    finally:
        asyncio.run(dbs.drop())


class DatabaseUrls:
    """The database URL of each service for one test."""

    def __init__(self, tmp_path: Path, postgres: PostgresDatabases | None) -> None:
        self.tmp_path = tmp_path
        self.postgres = postgres

    @property
    def backend(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    def scratch_url(self) -> str:
        """A database of no service, emptied of tables before each test that asks for it."""
        if self.postgres is not None:
            return self.postgres.urls[SCRATCH]
        return f"sqlite+aiosqlite:///{self.tmp_path / 'scratch.db'}"

    def url(self, service: str) -> str:
        if self.postgres is not None:
            self.postgres.migrated.add(service)
            return self.postgres.urls[service]
        return f"sqlite+aiosqlite:///{self.tmp_path / f'{service}.db'}"


@pytest.fixture
async def database_urls(
    tmp_path: Path, postgres_databases: PostgresDatabases | None
) -> DatabaseUrls:
    if postgres_databases is not None:
        await postgres_databases.truncate()
    return DatabaseUrls(tmp_path, postgres_databases)
