"""The RabbitMQ topology every service shares.

One durable topic exchange, ``cohesion.events``. Each consumer owns:

- ``<consumer>``: a durable quorum queue bound to the routing keys it wants,
  dead-lettered to its DLQ when a message is rejected or redelivered too often;
- ``<consumer>.retry.<n>``: delay queues (RabbitMQ 3.10 has no delayed retry of
  its own) whose TTL expires a message back into ``<consumer>``;
- ``<consumer>.dlq``: a durable quorum queue for messages that failed every attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import aio_pika
from aio_pika.abc import AbstractChannel

from shared.events import EVENTS_EXCHANGE

# A message redelivered this often (consumer crashes while holding it) is dead-lettered by the broker.
DELIVERY_LIMIT = 20


def dlq_name(consumer: str) -> str:
    return f"{consumer}.dlq"


def retry_queue_name(consumer: str, level: int) -> str:
    return f"{consumer}.retry.{level}"


def main_queue_arguments(consumer: str) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dlq_name(consumer),
        "x-delivery-limit": DELIVERY_LIMIT,
    }


EVENT_LOG = "cohesion.events.log"
EVENT_LOG_ARGUMENTS: dict[str, Any] = {"x-queue-type": "stream", "x-max-age": "7D", "x-max-length-bytes": 2_000_000_000}


async def declare_events_exchange(
    channel: AbstractChannel, *, with_event_log: bool = True
) -> aio_pika.abc.AbstractExchange:
    """The events exchange and, bound to every key, the event log stream.

    The log keeps a week of every published event for ops and partner replays,
    and it makes every well-formed event routable: a ``mandatory`` publish that
    still comes back means the topology is broken, and the relay says so.
    """
    exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    if with_event_log:
        log = await channel.declare_queue(EVENT_LOG, durable=True, arguments=EVENT_LOG_ARGUMENTS)
        await log.bind(exchange, "#")
    return exchange


class ConsumerQueue(NamedTuple):
    """A consumer's queue as the broker should have it: the keys it binds, and keys it once bound
    and no longer wants (a queue keeps its bindings across deployments until they are removed)."""

    name: str
    bindings: Sequence[str]
    retired_bindings: Sequence[str] = ()


async def declare_consumer_queues(
    channel: AbstractChannel,
    consumer: str,
    bindings: Sequence[str],
    retry_delays_ms: Sequence[int],
    retired_bindings: Sequence[str] = (),
) -> None:
    exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    await channel.declare_queue(dlq_name(consumer), durable=True, arguments={"x-queue-type": "quorum"})
    for level, delay in enumerate(retry_delays_ms, start=1):
        await channel.declare_queue(
            retry_queue_name(consumer, level),
            durable=True,
            arguments={
                "x-message-ttl": int(delay),
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": consumer,
            },
        )
    queue = await channel.declare_queue(consumer, durable=True, arguments=main_queue_arguments(consumer))
    for routing_key in bindings:
        await queue.bind(exchange, routing_key)
    for routing_key in retired_bindings:
        if routing_key not in bindings:
            await queue.unbind(exchange, routing_key)  # RabbitMQ: a no-op where it is already gone


async def declare_topology(
    amqp_url: str,
    consumers: Sequence[ConsumerQueue],
    retry_delays_ms: Sequence[int],
    *,
    with_event_log: bool = True,
) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await declare_events_exchange(channel, with_event_log=with_event_log)
        for name, bindings, retired in consumers:
            await declare_consumer_queues(channel, name, bindings, retry_delays_ms, retired)
