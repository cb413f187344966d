"""Retention: the kernel tables' history removed once no one can need it, in small batches.

Every service runs ``remove_expired`` as a kernel clock (``RETENTION_SCHEDULE``). Each rule deletes at
most ``retention_batch`` rows per statement, each statement its own short transaction, and reads only
the rows it deletes (through an insertion-ordered key or a BRIN index), so a tick's work is
proportional to what has expired, and it never holds a lock a command waits for long: the rows it
deletes are ones no command touches any more (``SKIP LOCKED`` passes over any that one does).

Windows (settings, ``COHESION_RETENTION_*``) and why each is safe:

- **published outbox rows** (``retention_outbox_days``, 7): the relay never reads a published row
  again; the week is for an operator tracing an event. Unpublished rows are never removed.
- **inbox records** (``retention_inbox_days``, 30): an inbox record must outlive every redelivery of
  its event, or a late duplicate would be processed twice. Redeliveries come from the consumer's
  retry schedule (``retry_delays_ms`` times ``max_attempts``: seconds), RabbitMQ's redelivery of an
  unacknowledged message (its consumer timeout, 30 minutes by default) and a relay republishing an
  event whose confirm was lost (minutes). 30 days is orders of magnitude beyond all of them;
  ``check_windows`` refuses settings under the retry schedule plus a day. A message dead-lettered
  and replayed later was never processed, so it has no inbox record to keep.
- **idempotency keys** (``retention_idempotency_hours``, 48): the window in which a client may retry
  a POST with the same key (24 hours in common practice), doubled.
- **audit entries** (``retention_audit_days``, 2,192: six years): the limitation period for the
  financial records a council keeps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.calendar import now
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.service import Runtime

log = logging.getLogger(__name__)

# RabbitMQ's default consumer timeout: an unacknowledged message is redelivered after it at the latest.
BROKER_REDELIVERY_HORIZON = timedelta(minutes=30)


@dataclass(frozen=True)
class Rule:
    """One table's expiry: ``candidates`` selects up to :batch ctids of rows past :cutoff."""

    table: str
    candidates: str
    window: timedelta


def rules(settings: Settings) -> list[Rule]:
    return [
        # The oldest published rows by seq (the primary key), then those past the window among them;
        # unpublished rows are skipped, never removed.
        Rule(
            "outbox",
            "SELECT ctid FROM (SELECT ctid, published_at FROM outbox WHERE published_at IS NOT NULL "
            "ORDER BY seq LIMIT :batch) AS oldest WHERE published_at < :cutoff",
            timedelta(days=settings.retention_outbox_days),
        ),
        Rule(
            "inbox",
            "SELECT ctid FROM inbox WHERE processed_at < :cutoff LIMIT :batch",
            timedelta(days=settings.retention_inbox_days),
        ),
        Rule(
            "idempotency_keys",
            "SELECT ctid FROM idempotency_keys WHERE created_at < :cutoff LIMIT :batch",
            timedelta(hours=settings.retention_idempotency_hours),
        ),
        Rule(
            "audit_log",
            "SELECT ctid FROM (SELECT ctid, at FROM audit_log ORDER BY id LIMIT :batch) AS oldest WHERE at < :cutoff",
            timedelta(days=settings.retention_audit_days),
        ),
    ]


def check_windows(settings: Settings) -> None:
    """Refuse an inbox window that a redelivery could outlast."""
    retries = timedelta(milliseconds=sum(settings.retry_delays_ms) * max(1, settings.max_attempts))
    floor = retries + BROKER_REDELIVERY_HORIZON + timedelta(days=1)
    if timedelta(days=settings.retention_inbox_days) < floor:
        raise ValueError(
            f"retention_inbox_days={settings.retention_inbox_days} is shorter than the longest redelivery "
            f"({retries} of retries + {BROKER_REDELIVERY_HORIZON} broker redelivery, plus a day's margin)"
        )


async def remove_expired(engine: AsyncEngine, settings: Settings, *, max_batches: int = 20) -> dict[str, int]:
    """Delete expired rows, ``retention_batch`` per transaction and at most ``max_batches`` per table
    per tick (the next tick goes on); returns the rows removed per table."""
    check_windows(settings)
    removed: dict[str, int] = {}
    for rule in rules(settings):
        removed[rule.table] = 0
        delete = text(
            f"DELETE FROM {rule.table} WHERE ctid = ANY(ARRAY({rule.candidates} FOR UPDATE SKIP LOCKED))"
            if "ORDER BY" not in rule.candidates
            else f"DELETE FROM {rule.table} WHERE ctid = ANY(ARRAY({rule.candidates}))"
        )
        for _ in range(max_batches):
            cutoff = now() - rule.window
            async with engine.begin() as connection:
                result = await connection.execute(delete, {"cutoff": cutoff, "batch": settings.retention_batch})
            removed[rule.table] += result.rowcount
            if result.rowcount < settings.retention_batch:
                break
    if any(removed.values()):
        log.info("retention removed %s", removed)
    return removed


async def retention(runtime: Runtime) -> None:
    """The kernel clock every service runs."""
    await remove_expired(runtime.engine, runtime.settings)
