"""Retention removes only the kernel history past its window, in small batches, and never an event
still waiting to be published; an inbox window shorter than a redelivery is refused."""

from __future__ import annotations

import asyncpg
import pytest

from shared.db import asyncpg_dsn, create_engine
from shared.retention import remove_expired


async def seed(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            """
            INSERT INTO outbox (event_id, event_type, subject, council, partition, envelope, created_at, published_at)
            SELECT 'old-published-' || n, 't', 's', 'E08000018', 0, '{}', now() - interval '8 days',
                   now() - interval '8 days' FROM generate_series(1, 5) n;
            INSERT INTO outbox (event_id, event_type, subject, council, partition, envelope, created_at, published_at)
            VALUES ('old-unpublished', 't', 's', 'E08000018', 0, '{}', now() - interval '9 days', NULL),
                   ('new-published', 't', 's', 'E08000018', 0, '{}', now(), now());
            INSERT INTO inbox (consumer, event_id, event_type, processed_at)
            SELECT 'c', 'old-' || n, 't', now() - interval '31 days' FROM generate_series(1, 5) n;
            INSERT INTO inbox (consumer, event_id, event_type, processed_at) VALUES ('c', 'recent', 't', now());
            INSERT INTO idempotency_keys (principal, key, method, path, request_hash, created_at)
            VALUES ('p', 'old', 'POST', '/', 'h', now() - interval '3 days'), ('p', 'new', 'POST', '/', 'h', now());
            INSERT INTO audit_log (at, actor, action) VALUES (now() - interval '7 years', 'a', 'old'), (now(), 'a', 'new');
            """
        )
    finally:
        await connection.close()


async def rows(dsn: str, query: str) -> list[str]:
    connection = await asyncpg.connect(dsn)
    try:
        return [r[0] for r in await connection.fetch(query)]
    finally:
        await connection.close()


async def test_retention_removes_expired_history_in_batches_and_keeps_unpublished_events(settings_for_test):
    settings = settings_for_test("grants", retention_batch=2)
    dsn = asyncpg_dsn(settings.db_url)
    await seed(dsn)
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        removed = await remove_expired(engine, settings)
        assert await remove_expired(engine, settings) == dict.fromkeys(removed, 0)
    finally:
        await engine.dispose()
    assert removed == {"outbox": 5, "inbox": 5, "idempotency_keys": 1, "audit_log": 1}
    assert sorted(await rows(dsn, "SELECT event_id FROM outbox")) == ["new-published", "old-unpublished"]
    assert await rows(dsn, "SELECT event_id FROM inbox") == ["recent"]
    assert await rows(dsn, "SELECT key FROM idempotency_keys") == ["new"]
    assert await rows(dsn, "SELECT action FROM audit_log") == ["new"]


async def test_retention_stops_after_its_batches_for_the_tick_and_goes_on_at_the_next(settings_for_test):
    settings = settings_for_test("grants", retention_batch=2)
    await seed(asyncpg_dsn(settings.db_url))
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        first = await remove_expired(engine, settings, max_batches=1)
        second = await remove_expired(engine, settings, max_batches=1)
    finally:
        await engine.dispose()
    assert first["outbox"] == 2 and first["inbox"] == 2
    assert second["outbox"] == 2 and second["inbox"] == 2


async def test_an_inbox_window_shorter_than_a_redelivery_is_refused(settings_for_test):
    settings = settings_for_test("grants", retention_inbox_days=0.01)
    engine = create_engine(settings.db_url, pool_size=1)
    try:
        with pytest.raises(ValueError, match="retention_inbox_days"):
            await remove_expired(engine, settings)
    finally:
        await engine.dispose()
