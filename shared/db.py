"""Database set-up shared by every service: engine, sessions and the kernel tables.

Each service owns its own database; the kernel tables below (outbox, inbox,
idempotency keys, audit log, scheduled occurrences) exist in every one of them
and are migrated with the service's own Alembic history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    event,
    exc,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

kernel_metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Events waiting to be published; written in the same transaction as the state change.
outbox = Table(
    "outbox",
    kernel_metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("council", String(20), nullable=False),
    # Events of one aggregate share a partition; one relay at a time owns a partition,
    # which keeps the order per aggregate with several relays running.
    Column("partition", SmallInteger, nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("traceparent", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
)
Index("ix_outbox_unpublished", outbox.c.partition, outbox.c.seq, postgresql_where=outbox.c.published_at.is_(None))

# Events a consumer has processed; recorded in the same transaction as its effect.
inbox = Table(
    "inbox",
    kernel_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
# Retention finds expired rows by time (shared/retention.py): a BRIN index, a few pages for millions of
# rows and almost free to keep up, since rows arrive in time order.
Index("ix_inbox_processed_at", inbox.c.processed_at, postgresql_using="brin")

# Responses to POSTs that carried an Idempotency-Key, replayed on a retry.
idempotency_keys = Table(
    "idempotency_keys",
    kernel_metadata,
    Column("principal", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", SmallInteger),
    Column("content_type", String(100)),
    Column("body", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at, postgresql_using="brin")

# Every command, with its actor.
audit_log = Table(
    "audit_log",
    kernel_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", String(200), nullable=False),
    Column("organisation", String(200)),
    Column("council", String(20)),
    Column("action", String(200), nullable=False),
    Column("subject", String(200)),
    Column("detail", JSONB),
    Column("trace_id", String(32)),
)

# Time-driven events already raised: one row per occurrence, so a restart never raises one twice.
scheduled_occurrences = Table(
    "scheduled_occurrences",
    kernel_metadata,
    Column("kind", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def create_engine(url: str, *, pool_size: int = 20, application_name: str = "cohesion") -> AsyncEngine:
    # No pre-ping (a round trip per checkout). A connection the server closed (a restart, a crash,
    # a terminated backend) is known closed to asyncpg as soon as the loop has seen its socket end,
    # so the checkout below swaps it for a new one for free: the first request after the database
    # is back succeeds instead of failing on a dead connection.
    # No overflow: an overflow connection is closed as soon as it is returned, so a busy consumer
    # (prefetch 50) opened and closed connections all the time, each costing a PostgreSQL backend.
    # Beyond the pool, a transaction waits for a connection, which is cheap.
    # The application name is what pg_stat_activity shows for each of the pool's connections.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}},
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Raising DisconnectionError makes the pool discard this connection and check out a new one."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this connection")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def asyncpg_dsn(url: str) -> str:
    """The plain DSN asyncpg wants (for the LISTEN connection)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
