"""The FastStream broker each service uses, set up for publishing that cannot fail silently."""

from __future__ import annotations

import logging

from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import RabbitBroker
from faststream.rabbit.message import RabbitMessage
from faststream.rabbit.schemas.channel import Channel


def create_broker(amqp_url: str, *, prefetch: int = 50, service: str = "cohesion") -> RabbitBroker:
    # Publisher confirms plus on_return_raises: an unconfirmed or unroutable
    # (mandatory) publish raises instead of vanishing.
    return RabbitBroker(
        amqp_url,
        default_channel=Channel(prefetch_count=prefetch, publisher_confirms=True, on_return_raises=True),
        app_id=f"cohesion-{service}",
        graceful_timeout=10.0,
        fail_fast=False,
        description=f"Cohesion {service} service",
        # Handlers take the raw message (see raw_message) and decode it themselves. FastStream's
        # dependency injection resolved a message parameter in a worker thread, a thread hop per
        # message that cost more than the handler's own work on a busy queue.
        apply_types=False,
        # "Received"/"Processed" for every message is debugging detail, not an operator's log line
        # (the consumer's span holds the outcome); at DEBUG it is not even formatted.
        log_level=logging.DEBUG,
    )


async def raw_message(message: RabbitMessage) -> AbstractIncomingMessage:
    """A subscriber's decoder: the handler is given aio-pika's message itself (body, headers, ack)."""
    return message.raw_message
