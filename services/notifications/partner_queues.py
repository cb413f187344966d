"""A partner's own queue: a broker user that can read one queue and nothing else.

Events reach the queue through deliveries, like webhooks. The fan-out consumer
applies the subscription's filters (council, wards, themes: things a binding
cannot express), and the queue worker publishes each matching event, as the
CloudEvent it arrived as, to the ``cohesion.partners`` topic exchange with the
routing key ``<subscription id>.<event type>``. The partner's queue is bound
there with ``<subscription id>.<pattern>`` for each pattern of its
subscription, so it holds only what it subscribed to, of its own council.

The partner's user has, on the vhost: configure ``^$`` (it declares and deletes
nothing), write ``^$`` (it binds nothing and publishes nowhere) and read
``^partner\\.<subscription id>$`` (it consumes its own queue and no other).
A queue that is full (``max_length``) refuses new messages; their deliveries
retry with backoff until the partner has caught up, so nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import aio_pika
from aiormq.abc import FieldTable
from faststream.rabbit import ExchangeType, RabbitExchange
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from services.notifications.domain import AttemptResult, Subscription
from services.notifications.handlers import record_publish_attempt
from services.notifications.settings import QueueSettings, channels_of
from shared import calendar
from shared.events import CLOUDEVENTS_CONTENT_TYPE
from shared.messaging.management import ManagementApi, vhost_of
from shared.service import Runtime
from shared.settings import Settings
from shared.telemetry import current_traceparent, span_from
from shared.unit_of_work import Actor

log = logging.getLogger(__name__)

PARTNERS_EXCHANGE = "cohesion.partners"
PUBLISHER_ACTOR = Actor("system:partner-queues")


def queue_name(subscription_id: str) -> str:
    return f"partner.{subscription_id}"


def username(subscription_id: str) -> str:
    return f"cohesion-partner-{subscription_id}"


def routing_key(subscription_id: str, event_type: str) -> str:
    return f"{subscription_id}.{event_type}"


@dataclass(frozen=True)
class QueueAccess:
    """What a partner needs to read its queue; the password is shown once and never stored."""

    url: str
    vhost: str
    queue: str
    username: str
    password: str


def public_url(settings: Settings, config: QueueSettings) -> str:
    """The broker URL partners connect to, without any credentials."""
    parts = urlsplit(config.public_amqp_url or settings.amqp_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def queue_arguments(config: QueueSettings) -> FieldTable:
    return {"x-queue-type": "quorum", "x-max-length": config.max_length, "x-overflow": "reject-publish"}


async def provision(settings: Settings, config: QueueSettings, subscription: Subscription) -> QueueAccess:
    """Declare the queue and its bindings, and create the user that may only read it (all idempotent)."""
    queue = queue_name(subscription.id)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(PARTNERS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        declared = await channel.declare_queue(queue, durable=True, arguments=queue_arguments(config))
        for pattern in subscription.event_types:
            await declared.bind(exchange, routing_key(subscription.id, pattern))
    password = secrets.token_urlsafe(24)
    user = username(subscription.id)
    async with ManagementApi(settings) as api:
        await api.put_user(user, password)
        await api.set_permissions(user, configure="^$", write="^$", read=f"^{re.escape(queue)}$")
    return QueueAccess(public_url(settings, config), vhost_of(settings.amqp_url), queue, user, password)


# The management API lists a connection only once the broker has emitted its statistics (every 5 s by
# default), so a connection opened just before a rotation or revocation is swept a second time after that.
STATISTICS_INTERVAL_SECONDS = 6.0


async def close_sessions(settings: Settings, user: str, reason: str, *, again_after: float = 0.0) -> None:
    """Close the user's connections now and, when ``again_after`` is set, once more after that many seconds."""
    async with ManagementApi(settings) as api:
        await api.close_connections_of(user, reason)
        if again_after:
            await asyncio.sleep(again_after)
            await api.close_connections_of(user, reason)


async def rotate_password(settings: Settings, config: QueueSettings, subscription: Subscription) -> QueueAccess:
    """A new password: the old one no longer connects (the caller then closes the sessions it opened)."""
    password = secrets.token_urlsafe(24)
    user = username(subscription.id)
    async with ManagementApi(settings) as api:
        await api.put_user(user, password)
        await api.close_connections_of(user, "Cohesion: queue credentials rotated")
    return QueueAccess(
        public_url(settings, config), vhost_of(settings.amqp_url), queue_name(subscription.id), user, password
    )


async def revoke(settings: Settings, subscription: Subscription) -> None:
    """Remove the user, close its connections and delete its queue."""
    user = username(subscription.id)
    async with ManagementApi(settings) as api:
        await api.delete_user(user)
        await api.close_connections_of(user, "Cohesion: queue access revoked")
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue_name(subscription.id))


# --- The queue worker ------------------------------------------------------------------

_CLAIM = text(
    """
    SELECT d.id AS delivery_id, d.subscription_id, d.event_id, d.event_type, e.body, e.traceparent
    FROM deliveries d
    JOIN subscriptions s ON s.id = d.subscription_id
    JOIN received_events e ON e.event_id = d.event_id
    WHERE d.channel = 'amqp' AND d.status = 'pending' AND d.next_attempt_at <= :now AND s.status = 'active'
    ORDER BY d.next_attempt_at, d.created_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
    """
)

_LEASE = text("UPDATE deliveries SET next_attempt_at = :until WHERE id = ANY(:ids)")


@dataclass(frozen=True)
class Publication:
    delivery_id: str
    subscription_id: str
    event_id: str
    event_type: str
    body: bytes
    traceparent: str | None


class QueuePublisher:
    """Publishes due queue deliveries, persistent and confirmed, to the partners' exchange."""

    def __init__(self, runtime: Runtime, config: QueueSettings) -> None:
        self.runtime = runtime
        self.config = config
        self._rand = random.Random()

    async def run(self) -> None:
        await self.runtime.broker_connected.wait()
        await self.runtime.broker.declare_exchange(
            RabbitExchange(PARTNERS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
        )
        while True:
            try:
                batch = await self.claim(self.config.batch_size)
            except Exception:
                log.exception("claiming due queue deliveries failed")
                batch = []
            if batch:
                await asyncio.gather(*(self.deliver(p) for p in batch))
            if len(batch) < self.config.batch_size:
                await asyncio.sleep(self.config.poll_seconds)

    async def claim(self, limit: int) -> list[Publication]:
        now = calendar.now()
        async with self.runtime.engine.begin() as conn:
            rows = (await conn.execute(_CLAIM, {"now": now, "limit": limit})).mappings().all()
            batch = [
                Publication(
                    row["delivery_id"],
                    row["subscription_id"],
                    row["event_id"],
                    row["event_type"],
                    bytes(row["body"]),
                    row["traceparent"],
                )
                for row in rows
            ]
            if batch:
                until = now + timedelta(seconds=self.config.lease_seconds)
                await conn.execute(_LEASE, {"until": until, "ids": [p.delivery_id for p in batch]})
        return batch

    async def deliver(self, publication: Publication) -> None:
        result = await self.publish(publication)
        try:
            async with self.runtime.uow(PUBLISHER_ACTOR) as uow:
                await record_publish_attempt(
                    uow, publication.delivery_id, result, schedule=self.config.retry_schedule, rand=self._rand
                )
        except Exception:
            # The lease runs out and it is published again: the partner sees the same message_id (the event id).
            log.exception("recording the publish of delivery %s failed", publication.delivery_id)

    async def publish(self, publication: Publication) -> AttemptResult:
        started_at = calendar.now()
        clock = asyncio.get_running_loop().time()
        key = routing_key(publication.subscription_id, publication.event_type)
        error: str | None = None
        with span_from(
            publication.traceparent,
            f"{publication.event_type} publish to partner queue",
            SpanKind.PRODUCER,
            **{
                "messaging.system": "rabbitmq",
                "messaging.destination.name": PARTNERS_EXCHANGE,
                "messaging.rabbitmq.destination.routing_key": key,
                "messaging.message.id": publication.event_id,
                "cohesion.delivery_id": publication.delivery_id,
            },
        ):
            traceparent = current_traceparent()  # the outcome events continue this attempt's trace
            try:
                await self.runtime.broker.publish(
                    publication.body,
                    exchange=PARTNERS_EXCHANGE,
                    routing_key=key,
                    persist=True,
                    mandatory=True,
                    message_id=publication.event_id,
                    content_type=CLOUDEVENTS_CONTENT_TYPE,
                    message_type=publication.event_type,
                    headers={"traceparent": publication.traceparent} if publication.traceparent else None,
                )
            except Exception as exc:  # unroutable (queue gone), refused (queue full), broker away: retried
                error = f"{type(exc).__name__}: {exc}"[:500]
        latency_ms = int((asyncio.get_running_loop().time() - clock) * 1000)
        return AttemptResult(started_at, latency_ms, error=error, traceparent=traceparent)


async def publish_to_partner_queues(runtime: Runtime) -> None:
    """The queue worker's loop, with the settings of the service it runs in; returns only if it fails."""
    await QueuePublisher(runtime, channels_of(runtime).queues).run()
