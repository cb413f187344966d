"""The yardsticks: the same pipeline written by hand with raw asyncpg and aio-pika, in one process, no HTTP.

Same shape as a Cohesion command and its consumer in another service:

- producer: ``BEGIN; INSERT state; INSERT outbox; NOTIFY; COMMIT`` on its own database;
- relay: woken by LISTEN/NOTIFY (1 s poll as a fallback), claims up to ``batch`` rows with
  ``FOR UPDATE SKIP LOCKED``, publishes them pipelined, persistent and mandatory on a
  confirming channel, awaits every confirm, marks them published, commits;
- consumer: a quorum queue with prefetch 50, each message ``BEGIN; INSERT inbox;
  INSERT effect; COMMIT; ack`` on a second database.

Two relays are measured. ``BATCHED`` claims up to 500 rows a round, as Cohesion's relay
does: the stricter yardstick. ``ONE_BY_ONE`` claims one row a round and awaits its
confirm before the next: the pipeline as the issue describes it ("confirmed persistent
publish"), without the relay batching that the issue expects to put the full stack ahead.

Latency is measured as for the full stack: ``inbox.processed_at`` (``now()``, the
consumer transaction's start) minus the producer's wall-clock send time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import asyncpg

from tests.bench import cpu
from tests.bench.common import COUNCIL, PipelineResult, Scratch, drive, wait_until

EVENT_TYPE = "wards.ward.registered.v1"
CHANNEL = "bench_outbox"
BATCHED = 500
ONE_BY_ONE = 1
RELAYS = (BATCHED, ONE_BY_ONE)


def databases(batch: int) -> tuple[str, str]:
    """The producer's and the consumer's database for the pipeline with this relay batch (each run its own)."""
    return f"hw{batch}_producer", f"hw{batch}_consumer"


PREFETCH = 50
# The services' SQLAlchemy pools hold at most 10 + 10 overflow connections; match that.
POOL_SIZE = 20

_PRODUCER_SCHEMA = """
DROP TABLE IF EXISTS ward, outbox;
CREATE TABLE ward (
    gss_code text PRIMARY KEY,
    name text NOT NULL,
    local_authority_gss text NOT NULL,
    local_authority_name text NOT NULL,
    boundary_set text NOT NULL
);
CREATE TABLE outbox (
    seq bigserial PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    event_type text NOT NULL,
    subject text NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
"""

_CONSUMER_SCHEMA = """
DROP TABLE IF EXISTS inbox, ward_directory;
CREATE TABLE inbox (
    consumer text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE TABLE ward_directory (
    gss_code text PRIMARY KEY,
    name text NOT NULL,
    council text NOT NULL,
    boundary_set text NOT NULL
);
"""


def envelope(event_id: str, code: str) -> dict[str, Any]:
    """A CloudEvent of the same size and shape as the services' ``wards.ward.registered.v1``."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "/cohesion/wards",
        "type": EVENT_TYPE,
        "time": datetime.now(UTC).isoformat(),
        "subject": code,
        "dataschema": f"https://cohesion.example/schemas/events/{EVENT_TYPE}.json",
        "datacontenttype": "application/json",
        "council": COUNCIL,
        "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
        "data": {
            "gss_code": code,
            "name": f"Bench ward {code}",
            "local_authority_gss": COUNCIL,
            "boundary_set": "WD24",
            "locality": None,
            "latitude": None,
            "longitude": None,
        },
    }


class HandWrittenPipeline:
    def __init__(self, scratch: Scratch, amqp_url: str, *, batch: int = BATCHED) -> None:
        self.batch = batch
        producer_db, consumer_db = databases(batch)
        self.producer_dsn = scratch.raw_dsn(f"{scratch.db_prefix}_{producer_db}")
        self.consumer_dsn = scratch.raw_dsn(f"{scratch.db_prefix}_{consumer_db}")
        # An exchange and queue per run, so one run's events never reach the other's queue.
        self.exchange_name, self.queue = f"bench.hand.events.{batch}", f"bench.hand.directory.{batch}"
        self.amqp_url = amqp_url
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> HandWrittenPipeline:
        for dsn, schema in ((self.producer_dsn, _PRODUCER_SCHEMA), (self.consumer_dsn, _CONSUMER_SCHEMA)):
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute(schema)
            finally:
                await conn.close()
        self.producers = await asyncpg.create_pool(self.producer_dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
        self.consumers = await asyncpg.create_pool(self.consumer_dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
        self.relay_db = await asyncpg.connect(self.producer_dsn)
        self.listen_db = await asyncpg.connect(self.producer_dsn)
        await self.listen_db.add_listener(CHANNEL, lambda *_: self._wake.set())

        # Separate connections for publishing and consuming, as the services have.
        self.publish_connection = await aio_pika.connect_robust(self.amqp_url)
        self.consume_connection = await aio_pika.connect_robust(self.amqp_url)
        publish_channel = await self.publish_connection.channel(publisher_confirms=True, on_return_raises=True)
        self.exchange = await publish_channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        consume_channel = await self.consume_connection.channel()
        await consume_channel.set_qos(prefetch_count=PREFETCH)
        queue = await consume_channel.declare_queue(self.queue, durable=True, arguments={"x-queue-type": "quorum"})
        await queue.bind(self.exchange_name, EVENT_TYPE)
        await queue.consume(self._on_message)
        self._tasks.append(asyncio.create_task(self._relay(), name="hand-written-relay"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for closer in (
            self.consume_connection.close,
            self.publish_connection.close,
            self.listen_db.close,
            self.relay_db.close,
            self.producers.close,
            self.consumers.close,
        ):
            with contextlib.suppress(Exception):
                await closer()

    async def command(self, code: str) -> str:
        """Register one ward: state and outbox row in one transaction. Returns the event id."""
        event_id = str(uuid.uuid4())
        async with self.producers.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO ward (gss_code, name, local_authority_gss, local_authority_name, boundary_set)"
                " VALUES ($1, $2, $3, 'Rotherham', 'WD24')",
                code,
                f"Bench ward {code}",
                COUNCIL,
            )
            await conn.execute(
                "INSERT INTO outbox (event_id, event_type, subject, envelope) VALUES ($1, $2, $3, $4::jsonb)",
                event_id,
                EVENT_TYPE,
                code,
                json.dumps(envelope(event_id, code)),
            )
            await conn.execute(f"NOTIFY {CHANNEL}")
        return event_id

    async def _relay(self) -> None:
        while True:
            try:
                published = await self._publish_batch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a benchmark run should not die of one failed round
                print(f"hand-written relay round failed: {exc!r}")
                await asyncio.sleep(0.2)
                continue
            if published >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            self._wake.clear()

    async def _publish_batch(self) -> int:
        async with self.relay_db.transaction():
            rows = await self.relay_db.fetch(
                "SELECT seq, event_id, event_type, envelope::text AS body FROM outbox"
                " WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch,
            )
            if not rows:
                return 0
            # Publish pipelined; each publish resolves on the broker's confirm.
            await asyncio.gather(
                *(
                    self.exchange.publish(
                        aio_pika.Message(
                            row["body"].encode(),
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            message_id=row["event_id"],
                            content_type="application/cloudevents+json",
                            type=row["event_type"],
                        ),
                        routing_key=row["event_type"],
                        mandatory=True,
                    )
                    for row in rows
                )
            )
            await self.relay_db.execute(
                "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])", [r["seq"] for r in rows]
            )
            return len(rows)

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        body = json.loads(message.body)
        async with self.consumers.acquire() as conn, conn.transaction():
            claimed = await conn.fetchval(
                "INSERT INTO inbox (consumer, event_id, event_type) VALUES ('bench.directory', $1, $2)"
                " ON CONFLICT DO NOTHING RETURNING event_id",
                body["id"],
                body["type"],
            )
            if claimed is not None:
                data = body["data"]
                await conn.execute(
                    "INSERT INTO ward_directory (gss_code, name, council, boundary_set) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT (gss_code) DO UPDATE SET name = excluded.name",
                    data["gss_code"],
                    data["name"],
                    data["local_authority_gss"],
                    data["boundary_set"],
                )
        await message.ack()

    async def processed(self, event_ids: list[str]) -> dict[str, float]:
        """Event id -> the consumer's processed_at (epoch seconds) for those already processed."""
        async with self.consumers.acquire() as conn:
            rows = await conn.fetch(
                "SELECT event_id, extract(epoch FROM processed_at)::float8 AS at FROM inbox"
                " WHERE consumer = 'bench.directory' AND event_id = ANY($1::text[])",
                event_ids,
            )
        return {r["event_id"]: r["at"] for r in rows}

    async def outbox_wait(self, event_ids: list[str]) -> tuple[float, ...]:
        """Per event, outbox created_at -> published_at (ms): how long it waited for the relay."""
        rows = await self.producers.fetch(
            "SELECT extract(epoch FROM published_at - created_at) * 1000 AS ms FROM outbox"
            " WHERE event_id = ANY($1::text[])",
            event_ids,
        )
        return tuple(float(r["ms"]) for r in rows)

    async def count_processed(self, event_ids: list[str]) -> int:
        async with self.consumers.acquire() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer = 'bench.directory' AND event_id = ANY($1::text[])",
                event_ids,
            )
        return count


async def run_round(
    pipeline: HandWrittenPipeline, *, prefix: str, commands: int, concurrency: int, timeout: float
) -> tuple[dict[str, float], dict[str, float], float, float]:
    """Send ``commands`` commands; returns (event id -> send time, event id -> effect time, first send, last answer)."""
    sent: dict[str, float] = {}

    async def send(i: int) -> None:
        at = time.time()
        event_id = await pipeline.command(f"{prefix}{i:06d}")
        sent[event_id] = at

    first = time.time()
    await drive(commands, concurrency, send)
    accepted = time.time()
    ids = list(sent)

    async def all_done() -> bool:
        return await pipeline.count_processed(ids) >= len(ids)

    await wait_until(all_done, timeout=timeout, what="the hand-written consumer")
    return sent, await pipeline.processed(ids), first, accepted


def name_of(batch: int) -> str:
    return "hand-written, relay batches" if batch > 1 else "hand-written, 1 confirm/round"


async def run(
    scratch: Scratch, amqp_url: str, *, commands: int, concurrency: int, warmup: int, batch: int = BATCHED
) -> PipelineResult:
    """One measured run; its tables are created afresh each time."""
    async with HandWrittenPipeline(scratch, amqp_url, batch=batch) as pipeline:
        if warmup:
            await run_round(pipeline, prefix="W05", commands=warmup, concurrency=concurrency, timeout=60)
        cpu_before = cpu.snapshot()
        sent, done, first, accepted = await run_round(
            pipeline, prefix="E05", commands=commands, concurrency=concurrency, timeout=max(60, commands / 20)
        )
        wait = await pipeline.outbox_wait(list(done))
        cpu_used = cpu.per_command(cpu_before, cpu.snapshot(), commands)
    latencies = tuple((done[e] - sent[e]) * 1000 for e in sent)
    return PipelineResult(
        name=name_of(batch),
        commands=commands,
        concurrency=concurrency,
        seconds=max(done.values()) - first,
        accept_seconds=accepted - first,
        cpu_ms_per_command=cpu_used,
        outbox_wait_ms=wait,
        latencies_ms=latencies,
    )
