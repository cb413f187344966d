"""Alembic, once for every service: each service keeps its own history under ``services/<name>/migrations``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import asyncpg_dsn, kernel_metadata
from shared.settings import Settings, settings_for

SERVICES = ("wards", "grants", "actions", "notifications")
ROOT = Path(__file__).resolve().parent.parent


def alembic_config(service: str, settings: Settings | None = None) -> Config:
    settings = settings or settings_for(service)
    config = Config()
    config.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.db_url)
    config.attributes["service"] = service
    return config


async def create_database(settings: Settings) -> bool:
    """Create the service's database if it does not exist; True when it was created."""
    server = asyncpg_dsn(settings.pg_dsn.rstrip("/")) + "/postgres"
    conn = await asyncpg.connect(server)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", settings.database_name)
        if exists:
            return False
        await conn.execute(f'CREATE DATABASE "{settings.database_name}"')
        return True
    finally:
        await conn.close()


async def drop_database(settings: Settings) -> None:
    server = asyncpg_dsn(settings.pg_dsn.rstrip("/")) + "/postgres"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{settings.database_name}" WITH (FORCE)')
    finally:
        await conn.close()


def upgrade(service: str, settings: Settings | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, settings), revision)


async def prepare_database(service: str, settings: Settings | None = None) -> None:
    """Create the database and migrate it to head."""
    settings = settings or settings_for(service)
    await create_database(settings)
    await asyncio.to_thread(upgrade, service, settings)


def run_migrations(target: MetaData, url: str) -> None:
    """Called from each service's ``migrations/env.py``."""
    from alembic import context

    metadata = [kernel_metadata, target]

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    # Alembic runs synchronously; callers inside an event loop use asyncio.to_thread (see prepare_database).
    asyncio.run(run_async())
