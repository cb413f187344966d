"""The FastStream broker each service uses, set up for publishing that cannot fail silently."""

from __future__ import annotations

import logging

from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
from faststream.rabbit.schemas.channel import Channel

from shared.events import CATALOGUE, CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE, model_for
from shared.events.envelope import cloudevent_model


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
        # A subscriber's decoder hands its handler the typed model (a consumer's: the event's catalogue
        # model, read from the CloudEvent); FastStream's dependency injection validating it once more
        # cost 60 µs a message, a third of the subscriber's path (docs/adr/0006-how-faststream-is-used.md).
        apply_types=False,
        # "Received"/"Processed" for every message is debugging detail, not an operator's log line
        # (the consumer's span holds the outcome); at DEBUG it is not even formatted.
        log_level=logging.DEBUG,
    )


def declare_publications(broker: RabbitBroker, service: str) -> None:
    """The relay's publications, declared on the service's broker: every event type the service owns, on
    ``cohesion.events``, persistent, as a structured CloudEvent. FastStream's AsyncAPI document is generated
    from them; the relay publishes through aio-pika's channel itself (docs/adr/0006 says why)."""
    model_for("wards.ward.registered.v1")  # registers the whole catalogue
    exchange = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
    for event_type, model in sorted(CATALOGUE.items()):
        if model.service() != service:
            continue
        broker.publisher(
            routing_key=event_type,
            exchange=exchange,
            title=f"{event_type}:publish",
            description=(model.__doc__ or "").strip() or f"Published by the {service} service.",
            schema=cloudevent_model(model),
            persist=True,
            content_type=CLOUDEVENTS_CONTENT_TYPE,
        )
