"""The outbox relay: publishes committed events, persistent and confirmed, and marks them sent.

It wakes on ``NOTIFY cohesion_outbox`` (and polls as a fallback), takes a batch
under ``FOR UPDATE SKIP LOCKED``, publishes it pipelined on one confirming
channel and marks what the broker confirmed. It works on a connection of its
own, through asyncpg directly: a round is BEGIN, one claiming statement, the
mark and COMMIT, and at low load the relay runs a round per commit, where going
through the ORM's pool and session cost more than the statements. Several relays may run: each
batch first takes transaction-scoped advisory locks on outbox partitions, and
an aggregate's events always fall in one partition, so two relays never
interleave one aggregate's events. A failed publish leaves that event and the
rest of its partition for the next round; the backlog drains once the broker
is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from faststream.rabbit import RabbitBroker
from opentelemetry.trace import SpanKind

from shared.db import asyncpg_dsn
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE
from shared.metrics import OUTBOX_FAILURES, OUTBOX_LAG, OUTBOX_PUBLISHED
from shared.telemetry import span_from
from shared.unit_of_work import OUTBOX_CHANNEL, OUTBOX_PARTITIONS

log = logging.getLogger(__name__)

# Advisory lock namespace for outbox partitions ("coh" in ASCII).
RELAY_LOCK_KEY = 0x636F68

# One statement: the partitions no other relay holds (transaction-scoped advisory locks; the CTE
# runs first and whole, as it calls a volatile function), then the oldest unpublished events in them.
_CLAIM_BATCH = """
    WITH mine AS MATERIALIZED (
        SELECT p FROM generate_series(0, $2::int - 1) AS p WHERE pg_try_advisory_xact_lock($1::int, p)
    )
    SELECT seq, event_id, event_type, partition, envelope::text AS envelope, traceparent, created_at
    FROM outbox
    WHERE published_at IS NULL AND partition IN (SELECT p FROM mine)
    ORDER BY seq
    LIMIT $3
    FOR UPDATE OF outbox SKIP LOCKED
"""

_MARK_PUBLISHED = "UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE seq = ANY($1::bigint[])"
_MARK_FAILED = "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1"


@dataclass
class RelayStats:
    published: int = 0
    failures: int = 0
    batches: int = 0


class OutboxRelay:
    def __init__(
        self,
        broker: RabbitBroker,
        *,
        database_url: str,
        application_name: str = "cohesion relay",
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        publish_timeout: float = 10.0,
    ) -> None:
        self.broker = broker
        self.database_url = database_url
        # What pg_stat_activity shows for the relay's two connections (its work and its LISTEN).
        self.server_settings = {"application_name": application_name}
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout
        self.stats = RelayStats()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._db: asyncpg.Connection | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name="outbox-listen")
        backoff = 0.2
        try:
            while not self._stopping.is_set():
                try:
                    published = await self.publish_batch()
                    backoff = 0.2
                except Exception as exc:
                    log.warning("outbox relay round failed, retrying in %.1fs: %s", backoff, exc)
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if published >= self.batch_size:
                    continue  # more waiting: keep draining
                await self._sleep(self.poll_seconds)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            if self._db is not None:
                await self._db.close()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _listen(self) -> None:
        """Hold a LISTEN connection (reconnecting as needed); each NOTIFY wakes the relay."""
        while not self._stopping.is_set():
            try:
                connection = await asyncpg.connect(asyncpg_dsn(self.database_url), server_settings=self.server_settings)
                try:
                    await connection.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
                    self._wake.set()  # catch anything committed while we were not listening
                    while not connection.is_closed() and not self._stopping.is_set():
                        await asyncio.sleep(5)
                        await connection.execute("SELECT 1")
                finally:
                    await connection.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox listener lost its connection: %s", exc)
                await asyncio.sleep(1)

    async def _connection(self) -> asyncpg.Connection:
        """The relay's own connection, opened again after it was lost."""
        if self._db is None or self._db.is_closed():
            self._db = await asyncpg.connect(asyncpg_dsn(self.database_url), server_settings=self.server_settings)
        return self._db

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many events were confirmed."""
        db = await self._connection()
        async with db.transaction():
            rows = await db.fetch(_CLAIM_BATCH, RELAY_LOCK_KEY, OUTBOX_PARTITIONS, self.batch_size)
            if not rows:
                return 0
            outcomes = await asyncio.gather(*(self._publish(row) for row in rows), return_exceptions=True)

            # Per partition, only the run before the first failure counts as sent, so the
            # failed event and those after it go out again, in order, next round.
            confirmed_at = datetime.now(UTC)
            confirmed: list[int] = []
            failed_partitions: set[int] = set()
            for row, outcome in zip(rows, outcomes, strict=True):
                if row["partition"] in failed_partitions:
                    continue
                if isinstance(outcome, BaseException):
                    failed_partitions.add(row["partition"])
                    self.stats.failures += 1
                    OUTBOX_FAILURES.add(1)
                    log.error("publishing %s (%s) failed: %r", row["event_id"], row["event_type"], outcome)
                    await db.execute(_MARK_FAILED, row["seq"], repr(outcome)[:1000])
                else:
                    confirmed.append(row["seq"])
                    OUTBOX_LAG.record((confirmed_at - row["created_at"]).total_seconds() * 1000)
            if confirmed:
                await db.execute(_MARK_PUBLISHED, confirmed)
                OUTBOX_PUBLISHED.add(len(confirmed))
            self.stats.published += len(confirmed)
            self.stats.batches += 1
            return len(confirmed)

    async def _publish(self, row: Any) -> None:
        # The stored JSON as PostgreSQL writes it out: parsing it into objects only to write it
        # back out again cost a quarter of each publish.
        body: bytes = row["envelope"].encode()
        with span_from(
            row["traceparent"],
            f"{row['event_type']} publish",
            SpanKind.PRODUCER,
            **{
                "messaging.system": "rabbitmq",
                "messaging.destination.name": EVENTS_EXCHANGE,
                "messaging.rabbitmq.destination.routing_key": row["event_type"],
                "messaging.message.id": row["event_id"],
            },
        ):
            await self.broker.publish(
                body,
                exchange=EVENTS_EXCHANGE,
                routing_key=row["event_type"],
                persist=True,
                mandatory=True,
                message_id=row["event_id"],
                content_type=CLOUDEVENTS_CONTENT_TYPE,
                message_type=row["event_type"],
                timestamp=row["created_at"],
                headers={"traceparent": row["traceparent"]} if row["traceparent"] else None,
                timeout=self.publish_timeout,
            )
