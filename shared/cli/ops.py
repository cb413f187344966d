"""Operations on the broker: dead-letter queues listed, peeked at and replayed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import aio_pika
import httpx

from shared.messaging.consumer import ATTEMPT_HEADER, ERROR_HEADER, ROUTING_KEY_HEADER
from shared.messaging.topology import dlq_name
from shared.settings import Settings


def _vhost(settings: Settings) -> str:
    path = urlsplit(settings.amqp_url).path.lstrip("/")
    return path or "/"


async def dead_letter_queues(settings: Settings) -> list[dict[str, Any]]:
    parts = urlsplit(settings.rabbitmq_api_url)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
    async with httpx.AsyncClient(base_url=base, auth=(parts.username or "guest", parts.password or "guest")) as client:
        response = await client.get(f"/api/queues/{quote(_vhost(settings), safe='')}")
        response.raise_for_status()
    return [{"queue": q["name"]} for q in response.json() if q["name"].endswith(".dlq")]


async def list_dead_letters(settings: Settings, *, peek: int = 5) -> list[dict[str, Any]]:
    queues = await dead_letter_queues(settings)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        # The management API's counts lag by seconds; a passive declare is exact.
        channel = await connection.channel()
        for entry in queues:
            declared = await channel.declare_queue(entry["queue"], passive=True)
            entry["messages"] = declared.declaration_result.message_count or 0
        for entry in queues:
            if not entry["messages"] or peek <= 0:
                continue
            # Peek without consuming: messages are held unacknowledged, then released when the channel closes.
            channel = await connection.channel()
            queue = await channel.declare_queue(entry["queue"], passive=True)
            samples = []
            for _ in range(peek):
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                body = json.loads(message.body)
                headers = message.headers or {}
                samples.append(
                    {
                        "id": body.get("id"),
                        "type": body.get("type"),
                        "subject": body.get("subject"),
                        "attempts": headers.get(ATTEMPT_HEADER),
                        "error": headers.get(ERROR_HEADER),
                        "routing_key": headers.get(ROUTING_KEY_HEADER),
                    }
                )
            await channel.close()
            entry["peek"] = samples
    return queues


async def replay_dead_letters(settings: Settings, consumer: str, *, limit: int | None = None) -> int:
    """Republish each dead letter to its consumer's queue (persistent, confirmed), then remove it from the DLQ."""
    moved = 0
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(dlq_name(consumer), passive=True)
        while limit is None or moved < limit:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if k not in (ATTEMPT_HEADER, "x-death")}
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers=headers,
                    content_type=message.content_type,
                    message_id=message.message_id,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    timestamp=message.timestamp,
                    type=message.type,
                ),
                routing_key=consumer,
                mandatory=True,
            )
            await message.ack()
            moved += 1
    return moved
