"""Alembic, once for every service: each service keeps its own history in its ``migrations/`` folder.

Every service's database also holds the kernel's tables (outbox, inbox, idempotency keys, audit
log, scheduled occurrences: ``shared.db.kernel_metadata``). Its first migration creates them with
``create_kernel_tables(op)``, one operation for all; a later change to a kernel table is a new
operation here, called by a new migration of every service.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared import registry
from shared.db import asyncpg_dsn, kernel_metadata
from shared.settings import Settings, settings_for


def alembic_config(service: str, settings: Settings | None = None) -> Config:
    settings = settings or settings_for(service)
    config = Config()
    config.set_main_option("script_location", str(registry.folder_of(service) / "migrations"))
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


# --- the kernel's tables, as every service's first migration creates them ------------------------------
# Written out, not made from ``kernel_metadata``: a migration that has run must do the same thing
# forever, whatever the kernel's tables become. tests/integration/test_migrations.py checks that
# every migrated database matches ``kernel_metadata`` as it is now.


def create_kernel_tables(op: Any) -> None:
    """Outbox, inbox, idempotency keys, audit log and scheduled occurrences (``alembic.op`` as ``op``)."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("council", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("council", sa.String(length=20), nullable=False),
        sa.Column("partition", sa.SmallInteger(), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("traceparent", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["partition", "seq"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "scheduled_occurrences",
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_scheduled_occurrences")),
    )


def drop_kernel_tables(op: Any) -> None:
    """What ``create_kernel_tables`` made, undone (a first migration's downgrade)."""
    op.drop_table("scheduled_occurrences")
    op.drop_index("ix_outbox_unpublished", table_name="outbox", postgresql_where=sa.text("published_at IS NULL"))
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("idempotency_keys")
    op.drop_table("audit_log")
