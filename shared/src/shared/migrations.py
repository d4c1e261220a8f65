"""Alembic per service: upgrade on start-up (embedded) or by command (production), and autogenerate."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine


def _config(package: str, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's migrations/env.py: migrate over the connection we were handed."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through shared.migrations, which passes a connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade(engine: AsyncEngine, package: str) -> None:
    def _run(connection: Connection) -> None:
        command.upgrade(_config(package, connection), "head")

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def pending_diff(engine: AsyncEngine, metadata: MetaData) -> list[object]:
    """Differences between the migrated database and the models; empty when migrations are complete."""

    def _diff(connection: Connection) -> list[object]:
        ctx = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(_diff)


def autogenerate(package: str, message: str) -> None:
    """Write a new revision for `package` from the difference between its migrations and its models."""

    async def _run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'autogen.db'}")
            await upgrade(engine, package)

            def _revision(connection: Connection) -> None:
                command.revision(_config(package, connection), message=message, autogenerate=True)

            async with engine.begin() as conn:
                await conn.run_sync(_revision)
            await engine.dispose()

    asyncio.run(_run())
