"""The consumer runtime: every handler runs idempotently, retries with backoff and dead-letters.

A handler is a plain async function ``(envelope, uow) -> None``. The runtime
records the event in the inbox in the same transaction as the handler's effect
(a duplicate delivery changes nothing), spaces retries through the TTL delay
queues, and after the last attempt moves the message to the consumer's DLQ.
A message is acknowledged only once its outcome (effect, retry or dead letter)
is safely stored, so a killed process gets it redelivered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from faststream import AckPolicy
from faststream.rabbit import QueueType, RabbitBroker, RabbitQueue
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import Envelope, decode_envelope
from shared.messaging.broker import raw_message
from shared.messaging.topology import ConsumerQueue, dlq_name, main_queue_arguments, retry_queue_name
from shared.metrics import CONSUMER_DURATION, CONSUMER_MESSAGES
from shared.telemetry import span_from
from shared.unit_of_work import Actor, UnitOfWork

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-cohesion-attempt"
ERROR_HEADER = "x-cohesion-error"
ROUTING_KEY_HEADER = "x-cohesion-routing-key"

Handler = Callable[[Envelope, UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A named consumer: its own queue, the routing keys it binds and its handler."""

    name: str
    bindings: tuple[str, ...]
    handle: Handler
    description: str = ""
    # Keys an earlier version bound and this one does not: unbound when the topology is declared.
    retired_bindings: tuple[str, ...] = ()

    @property
    def queue(self) -> ConsumerQueue:
        return ConsumerQueue(self.name, self.bindings, self.retired_bindings)


class ConsumerRuntime:
    def __init__(
        self,
        broker: RabbitBroker,
        engine: AsyncEngine,
        service: str,
        *,
        retry_delays_ms: Sequence[int],
        max_attempts: int,
    ) -> None:
        self.broker = broker
        self.engine = engine
        self.service = service
        self.retry_delays_ms = list(retry_delays_ms)
        self.max_attempts = max_attempts

    def register(self, consumer: Consumer) -> None:
        queue = RabbitQueue(  # type: ignore[call-overload]
            consumer.name,
            queue_type=QueueType.QUORUM,
            arguments=main_queue_arguments(consumer.name),
        )

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self.process(consumer, message)

        self.broker.subscriber(
            queue,
            decoder=raw_message,
            ack_policy=AckPolicy.MANUAL,
            title=consumer.name,
            description=consumer.description or f"bound to {', '.join(consumer.bindings)}",
        )(on_message)

    async def process(self, consumer: Consumer, message: AbstractIncomingMessage) -> None:
        started = time.perf_counter()
        outcome = await self._process(consumer, message)
        attributes = {"consumer": consumer.name}
        CONSUMER_MESSAGES.add(1, {**attributes, "outcome": outcome})
        CONSUMER_DURATION.record((time.perf_counter() - started) * 1000, attributes)

    async def _process(self, consumer: Consumer, message: AbstractIncomingMessage) -> str:
        """Handle one message; returns its outcome: processed, duplicate, retried, dead_lettered or requeued."""
        headers: dict[str, Any] = dict(message.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER, 1))
        try:
            envelope = decode_envelope(message.body, message.content_type)
        except Exception as exc:  # not a CloudEvent we can read: retrying cannot help
            await self._dead_letter(consumer, message, headers, f"undecodable message: {exc}")
            await message.ack()
            return "dead_lettered"

        with span_from(
            envelope.traceparent,
            f"{consumer.name} process",
            SpanKind.CONSUMER,
            **{
                "messaging.system": "rabbitmq",
                "messaging.destination.name": consumer.name,
                "messaging.message.id": envelope.id,
                "cloudevents.event_type": envelope.type,
                "cohesion.attempt": attempt,
            },
        ) as span:
            outcome = "processed"
            try:
                async with UnitOfWork(self.engine, self.service, Actor(f"consumer:{consumer.name}")) as uow:
                    if await uow.record_processed(consumer.name, envelope):
                        await consumer.handle(envelope, uow)
                        await uow.commit()
                    else:
                        span.set_attribute("cohesion.duplicate", True)
                        outcome = "duplicate"
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                reason = f"{type(exc).__name__}: {exc}"
                try:
                    if attempt >= self.max_attempts:
                        log.error("%s gave up on %s after %d attempts: %s", consumer.name, envelope.id, attempt, reason)
                        await self._dead_letter(consumer, message, headers, reason)
                        outcome = "dead_lettered"
                    else:
                        log.warning("%s attempt %d on %s failed: %s", consumer.name, attempt, envelope.id, reason)
                        await self._retry(consumer, message, headers, attempt, reason)
                        outcome = "retried"
                except Exception:
                    # Could not park the message anywhere: hand it back to the broker.
                    log.exception("%s could not schedule a retry for %s", consumer.name, envelope.id)
                    await message.nack(requeue=True)
                    return "requeued"
            await message.ack()
            return outcome

    async def _retry(
        self, consumer: Consumer, message: AbstractIncomingMessage, headers: dict[str, Any], attempt: int, reason: str
    ) -> None:
        level = min(attempt, len(self.retry_delays_ms))
        await self._republish(
            message,
            queue=retry_queue_name(consumer.name, level),
            headers={**headers, ATTEMPT_HEADER: attempt + 1, ERROR_HEADER: reason[:500]},
        )

    async def _dead_letter(
        self, consumer: Consumer, message: AbstractIncomingMessage, headers: dict[str, Any], reason: str
    ) -> None:
        await self._republish(message, queue=dlq_name(consumer.name), headers={**headers, ERROR_HEADER: reason[:500]})

    async def _republish(self, message: AbstractIncomingMessage, *, queue: str, headers: dict[str, Any]) -> None:
        headers.setdefault(ROUTING_KEY_HEADER, message.routing_key or "")
        headers.pop("x-death", None)
        await self.broker.publish(
            message.body,
            queue=queue,
            persist=True,
            mandatory=True,
            headers=headers,
            content_type=message.content_type,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            message_type=message.type,
            timestamp=message.timestamp,
        )
