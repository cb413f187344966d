"""Consumers: typed handlers of the catalogue's events, run on FastStream, idempotent, retried, dead-lettered.

A consumer is a queue of its own and a handler whose first parameter's type
names the events it handles::

    async def record_ward(event: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None: ...

    ward_directory = Consumer("grants.ward-directory", record_ward)

Its queue is bound to those events' types (a type is its routing key) and to
every older version an upcaster turns into one of them (``shared.events.upcasting``).
Each consumer is one FastStream subscriber: its decoder reads the CloudEvents
envelope with the official SDK and the data into the handler's model (upcast
first where it was published as an older version), and FastStream hands the
handler that model; FastStream's AsyncAPI generator documents the subscriber
from the same type (docs/adr/0006-how-faststream-is-used.md says what of
FastStream is used, and what is not, with the figures).

The runtime records the event in the inbox in the same transaction as the
handler's effect (a duplicate delivery changes nothing), spaces retries
through the TTL delay queues, and after the last attempt moves the message to
the consumer's DLQ; a message that cannot be read goes there at once. A
message is acknowledged (by FastStream, once the call returns) only when its
outcome (effect, retry or dead letter) is safely stored, so a killed process
gets it redelivered.
"""

from __future__ import annotations

import inspect
import logging
import time
import types
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aio_pika import IncomingMessage
from aio_pika.abc import AbstractIncomingMessage
from faststream import AckPolicy
from faststream.exceptions import AckMessage, NackMessage
from faststream.rabbit import QueueType, RabbitBroker, RabbitQueue
from faststream.rabbit.message import RabbitMessage
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import EventData, EventMeta, decode_envelope
from shared.events.envelope import Envelope
from shared.events.upcasting import Reading, readings
from shared.messaging.topology import ConsumerQueue, dlq_name, main_queue_arguments, retry_queue_name
from shared.metrics import CONSUMER_DURATION, CONSUMER_MESSAGES
from shared.telemetry import span_from
from shared.unit_of_work import Actor, UnitOfWork

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-cohesion-attempt"
ERROR_HEADER = "x-cohesion-error"
ROUTING_KEY_HEADER = "x-cohesion-routing-key"

# The handler's first parameter is the event, typed with its model (or a union of models).
Handler = Callable[[Any, EventMeta, UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A named consumer: its own queue and a typed handler; the events it handles come from the handler's type.

    ``events`` names them instead, for a handler typed with a base class (``EventData``) that
    handles many types alike. ``retired_bindings``: keys an earlier version bound and this one
    does not, unbound when the topology is declared.
    """

    name: str
    handle: Handler
    description: str = ""
    events: tuple[type[EventData], ...] = ()
    retired_bindings: tuple[str, ...] = ()
    reads: dict[str, Reading] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        declared = self.events or events_handled_by(self.handle)
        object.__setattr__(self, "events", declared)
        object.__setattr__(self, "reads", readings(declared))

    @property
    def bindings(self) -> tuple[str, ...]:
        """The routing keys its queue is bound to: its events' types and the older versions upcast to them."""
        return tuple(self.reads)

    @property
    def queue(self) -> ConsumerQueue:
        return ConsumerQueue(self.name, self.bindings, self.retired_bindings)


def events_handled_by(handle: Handler) -> tuple[type[EventData], ...]:
    """The event models a handler's first parameter is typed with: one model, or a union of them."""
    first = next(iter(inspect.signature(handle).parameters), None)
    hint = typing.get_type_hints(handle).get(first or "")
    members = (
        typing.get_args(hint)
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
        else (hint,)
    )
    if not members or not all(
        isinstance(m, type) and issubclass(m, EventData) and "event_type" in m.__dict__ for m in members
    ):
        raise TypeError(
            f"{getattr(handle, '__qualname__', handle)}'s first parameter must be typed with the catalogue "
            f"models it handles (or the consumer must name them in events=), not {hint!r}"
        )
    return tuple(members)


class EventMessage(RabbitMessage):
    """FastStream's message, with the envelope our decoder read from it."""

    envelope: Envelope


class ConsumerRuntime:
    """Subscribes each consumer to its queue on the service's FastStream broker and runs it."""

    def __init__(
        self,
        broker: RabbitBroker,
        engine: AsyncEngine | None,
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
        self.broker.subscriber(
            queue,
            parser=_parse,
            decoder=self._decoder_for(consumer),
            # Acknowledged once the call returns, with the outcome stored; a message the call
            # could neither handle nor park goes back to the queue (NackMessage, below).
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=consumer.name,
            description=f"{consumer.description} Bound to: {', '.join(consumer.bindings)}.".strip(),
        )(self._call_for(consumer))

    def _decoder_for(self, consumer: Consumer) -> Callable[[EventMessage], Awaitable[EventData]]:
        async def decode(message: EventMessage) -> EventData:
            """The CloudEvent read with the official SDK; its data in the model the handler takes."""
            try:
                envelope = decode_envelope(message.body, message.content_type)
                reading = consumer.reads.get(envelope.type)
                if reading is None:
                    raise LookupError(f"{consumer.name} does not read {envelope.type}")
                event = reading.read(envelope.data)
            except Exception as exc:  # not an event this consumer can read: retrying cannot help
                raw = message.raw_message
                await self._dead_letter(consumer, raw, dict(raw.headers or {}), f"undecodable message: {exc}")
                CONSUMER_MESSAGES.add(1, {"consumer": consumer.name, "outcome": "dead_lettered"})
                raise AckMessage() from exc  # parked in the DLQ: acknowledged, the handler never runs
            message.envelope = envelope
            return event

        return decode

    def _call_for(self, consumer: Consumer) -> Callable[[EventData], Awaitable[None]]:
        context = self.broker.context

        async def on_event(event: EventData) -> None:
            # The message from FastStream's context, read directly: a ``Context()`` parameter is
            # resolved in a worker thread, a thread hop per message (see docs/adr/0006).
            message: EventMessage = context.get_local("message")
            await self.process(consumer, event, message)

        # FastStream documents the subscriber with the handler's own type (the decoder reads into it).
        on_event.__annotations__ = {"event": _union(consumer.events), "return": None}
        on_event.__name__ = on_event.__qualname__ = getattr(consumer.handle, "__name__", consumer.name)
        on_event.__doc__ = consumer.handle.__doc__
        return on_event

    async def process(self, consumer: Consumer, event: EventData, message: EventMessage) -> None:
        started = time.perf_counter()
        outcome = await self._process(consumer, event, message)
        attributes = {"consumer": consumer.name}
        CONSUMER_MESSAGES.add(1, {**attributes, "outcome": outcome})
        CONSUMER_DURATION.record((time.perf_counter() - started) * 1000, attributes)
        if outcome == "requeued":
            raise NackMessage(requeue=True)

    async def _process(self, consumer: Consumer, event: EventData, message: EventMessage) -> str:
        """Handle one event; returns its outcome: processed, duplicate, retried, dead_lettered or requeued."""
        envelope = message.envelope
        raw = message.raw_message
        headers: dict[str, Any] = dict(raw.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER, 1))
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
            try:
                assert self.engine is not None, "a consumer runs only in a running service"
                async with UnitOfWork(self.engine, self.service, Actor(f"consumer:{consumer.name}")) as uow:
                    if not await uow.record_processed(consumer.name, envelope):
                        span.set_attribute("cohesion.duplicate", True)
                        return "duplicate"
                    await consumer.handle(event, EventMeta.of(envelope), uow)
                    await uow.commit()
                    return "processed"
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                reason = f"{type(exc).__name__}: {exc}"
                try:
                    if attempt >= self.max_attempts:
                        log.error("%s gave up on %s after %d attempts: %s", consumer.name, envelope.id, attempt, reason)
                        await self._dead_letter(consumer, raw, headers, reason)
                        return "dead_lettered"
                    log.warning("%s attempt %d on %s failed: %s", consumer.name, attempt, envelope.id, reason)
                    await self._retry(consumer, raw, headers, attempt, reason)
                    return "retried"
                except Exception:
                    # Could not park the message anywhere: hand it back to the broker.
                    log.exception("%s could not schedule a retry for %s", consumer.name, envelope.id)
                    return "requeued"

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


async def _parse(message: IncomingMessage) -> EventMessage:
    """FastStream's message for an event; the body is read by the consumer's decoder."""
    return EventMessage(
        body=message.body,
        headers=message.headers,
        reply_to=message.reply_to or "",
        content_type=message.content_type,
        message_id=message.message_id or "",
        correlation_id=message.correlation_id or "",
        raw_message=message,
    )


def _union(models: tuple[type[EventData], ...]) -> Any:
    return models[0] if len(models) == 1 else typing.Union[models]  # noqa: UP007 - built at run time
