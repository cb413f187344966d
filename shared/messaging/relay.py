"""The outbox relay: publishes committed events, persistent and confirmed, and marks them sent.

It wakes on ``NOTIFY cohesion_outbox`` (and polls as a fallback), takes a batch
under ``FOR UPDATE SKIP LOCKED``, publishes it pipelined on one confirming
channel and marks what the broker confirmed. It works on a database connection of its
own, through asyncpg directly: a round is BEGIN, one claiming statement, the
mark and COMMIT, and at low load the relay runs a round per commit, where going
through the ORM's pool and session cost more than the statements.

It runs on an event loop and in a thread of its own (``run_on_own_loop``, see there
why), with a broker connection of its own. Each publish hands its frames to the
connection's writer without waiting for them to be written (``wait=False``) and
awaits only the broker's confirm: aio-pika's ``publish`` would hold the channel's
lock until the writer had run, one turn of the loop per event. Several relays may run: each
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
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
import aiormq
import asyncpg
import uvloop
from opentelemetry.trace import SpanKind
from pamqp import commands as spec

from shared.db import asyncpg_dsn
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE
from shared.messaging.broker import connect
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
        *,
        amqp_url: str | Sequence[str],
        database_url: str,
        application_name: str = "cohesion relay",
        app_id: str = "cohesion",
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        publish_timeout: float = 10.0,
    ) -> None:
        # The broker's addresses, tried in turn each time the relay (re)connects.
        self.amqp_urls = [amqp_url] if isinstance(amqp_url, str) else list(amqp_url)
        self.app_id = app_id
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
        self._amqp: aio_pika.abc.AbstractConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        # The loop and task running ``run`` (in their own thread when started by ``run_on_own_loop``).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Start a round now (callable from any thread)."""
        self._on_relay_loop(self._wake.set)

    async def run_on_own_loop(self) -> None:
        """``run`` on an event loop of its own in a thread of its own, until stopped or cancelled.

        On the service's loop a relay round took its turns behind every HTTP request the
        process was serving: each confirm was handled one turn of the loop after the last,
        so under a full load of requests a batch of 500 took 4-9 s to be confirmed, while a
        process with nothing else to do saw the same 500 confirmed in 0.2-0.5 s on the same
        broker at the same moment. On its own loop a round waits for the GIL, never for the
        requests' turns. The relay shares nothing with the service's loop but ``wake`` and
        ``stop``, which are safe to call from it.
        """
        caller = asyncio.get_running_loop()
        finished: asyncio.Future[None] = caller.create_future()

        def settle(error: BaseException | None) -> None:
            if finished.done():
                return
            if error is None or isinstance(error, asyncio.CancelledError):
                finished.set_result(None)
            else:
                finished.set_exception(error)

        def main() -> None:
            error: BaseException | None = None
            try:
                uvloop.run(self._run_here())
            except BaseException as exc:
                error = exc
            with contextlib.suppress(RuntimeError):  # the service's loop has already closed
                caller.call_soon_threadsafe(settle, error)

        threading.Thread(target=main, name=self.server_settings["application_name"], daemon=True).start()
        try:
            await asyncio.shield(finished)
        except asyncio.CancelledError:
            self.stop()
            await finished
            raise

    async def _run_here(self) -> None:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        if not self._stopping.is_set():  # stop() may have come before this loop existed
            await self.run()

    def _on_relay_loop(self, action: Callable[[], object]) -> None:
        """Run ``action`` on the relay's loop: at once when called there (or before any loop), else queued to it."""
        loop = self._loop
        if loop is None or loop.is_closed():
            action()
            return
        try:
            here = asyncio.get_running_loop() is loop
        except RuntimeError:
            here = False
        if here:
            action()
        else:
            with contextlib.suppress(RuntimeError):  # the relay's loop closed meanwhile
                loop.call_soon_threadsafe(action)

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
            if self._amqp is not None:
                await self._amqp.close()

    def stop(self) -> None:
        """Stop ``run`` (callable from any thread); a round in progress is abandoned and rolled back."""
        self._stopping.set()

        def stop_here() -> None:
            self._wake.set()
            # Once only: a second cancel would cut short the closing of the relay's connections.
            if self._task is not None and self._task.cancelling() == 0:
                self._task.cancel()

        self._on_relay_loop(stop_here)

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

    async def _publisher(self) -> aiormq.Channel:
        """The relay's own confirming channel, opened again after it or its connection was lost.

        Publisher confirms plus ``on_return_raises``: an unconfirmed or unroutable (mandatory)
        publish raises instead of vanishing.
        """
        if self._amqp is None or self._amqp.is_closed or self._channel is None or self._channel.is_closed:
            if self._amqp is not None:
                with contextlib.suppress(Exception):
                    await self._amqp.close()
            self._amqp = await connect(
                self.amqp_urls, client_properties={"connection_name": self.server_settings["application_name"]}
            )
            self._channel = await self._amqp.channel(publisher_confirms=True, on_return_raises=True)
        channel = await self._channel.get_underlay_channel()
        assert isinstance(channel, aiormq.Channel)  # aiormq's, whose basic_publish takes ``wait``
        return channel

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many events were confirmed."""
        db = await self._connection()
        async with db.transaction():
            rows = await db.fetch(_CLAIM_BATCH, RELAY_LOCK_KEY, OUTBOX_PARTITIONS, self.batch_size)
            if not rows:
                return 0
            channel = await self._publisher()
            outcomes = await asyncio.gather(*(self._publish(channel, row) for row in rows), return_exceptions=True)

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

    async def _publish(self, channel: aiormq.Channel, row: Any) -> None:
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
            await channel.basic_publish(
                body,
                exchange=EVENTS_EXCHANGE,
                routing_key=row["event_type"],
                properties=spec.Basic.Properties(
                    delivery_mode=2,  # persistent
                    message_id=row["event_id"],
                    content_type=CLOUDEVENTS_CONTENT_TYPE,
                    message_type=row["event_type"],
                    timestamp=row["created_at"],
                    headers={"traceparent": row["traceparent"]} if row["traceparent"] else {},
                    app_id=self.app_id,
                ),
                mandatory=True,
                wait=False,  # queue the frames and await only the broker's confirm (see the module's docstring)
                timeout=self.publish_timeout,
            )
