"""The FastStream broker each service uses, set up for publishing that cannot fail silently."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker
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
    )
