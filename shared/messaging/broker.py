"""The FastStream broker each service uses, set up for publishing that cannot fail silently.

A broker may have several addresses (the nodes of one RabbitMQ cluster, where no load
balancer fronts them): every connection then tries them in turn, at start-up and after
each loss, so a stopped node is passed over for the next. With one address nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika import RobustConnection
from aio_pika.abc import AbstractConnection, AbstractRobustConnection
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
from faststream.rabbit.schemas.channel import Channel

from shared.events import CATALOGUE, CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE, model_for
from shared.events.envelope import cloudevent_model

log = logging.getLogger(__name__)


class FailoverConnection(RobustConnection):
    """aio-pika's robust connection over the addresses of one cluster: each attempt to connect, the
    first and every one after a loss, takes the next address in turn (``addresses``, set by ``failover``).

    aio-pika reads ``url`` exactly once per attempt (``Connection.connect``), so that read takes the
    turn; the connection's name in logs is the address last tried, and reading it takes no turn.
    """

    addresses: tuple[str, ...] = ()

    def __init__(self, url: Any, *args: Any, **kwargs: Any) -> None:
        self._turns = [aio_pika.connection.make_url(a) for a in self.addresses] or [aio_pika.connection.make_url(url)]
        self._turn = 0
        self._taking_turns = False
        self._current = self._turns[0]
        super().__init__(url, *args, **kwargs)
        self._taking_turns = True

    @property
    def url(self) -> Any:
        if self._taking_turns:
            self._current = self._turns[self._turn % len(self._turns)]
            self._turn += 1
        return self._current

    @url.setter
    def url(self, value: Any) -> None:  # aio-pika sets it once, in __init__ (the first address)
        pass

    def __str__(self) -> str:
        shown = self._current.with_password("******") if self._current.password else self._current
        return str(shown)


def failover(amqp_urls: Sequence[str]) -> type[FailoverConnection]:
    """A robust connection class that takes ``amqp_urls`` in turn (for ``connect_robust(connection_class=...)``)."""
    return type("FailoverConnection", (FailoverConnection,), {"addresses": tuple(amqp_urls)})


async def connect_robust(amqp_urls: Sequence[str], **kwargs: Any) -> AbstractRobustConnection:
    """A robust connection to the first address that answers; after a loss it takes the others in turn.

    Each address is tried once to begin with (the first that answers wins, the last failure is raised
    when none does), so a caller is never kept waiting on a node that is down.
    """
    if len(amqp_urls) == 1:
        return await aio_pika.connect_robust(amqp_urls[0], **kwargs)
    error: Exception | None = None
    for start in range(len(amqp_urls)):
        turns = [*amqp_urls[start:], *amqp_urls[:start]]
        try:
            return await aio_pika.connect_robust(turns[0], connection_class=failover(turns), **kwargs)
        except Exception as exc:
            log.warning("broker address %s refused a connection (%s); trying the next", _shown(turns[0]), exc)
            error = exc
    assert error is not None
    raise error


async def connect(amqp_urls: Sequence[str], **kwargs: Any) -> AbstractConnection:
    """A plain connection to the first of ``amqp_urls`` that accepts one; the last failure if none does."""
    error: Exception | None = None
    for url in amqp_urls:
        try:
            return await aio_pika.connect(url, **kwargs)
        except Exception as exc:
            if len(amqp_urls) > 1:
                log.warning("broker address %s refused a connection (%s); trying the next", _shown(url), exc)
            error = exc
    assert error is not None, "no broker address given"
    raise error


def _shown(url: str) -> str:
    parsed = aio_pika.connection.make_url(url)
    return str(parsed.with_password("******") if parsed.password else parsed)


def create_broker(amqp_url: str | Sequence[str], *, prefetch: int = 50, service: str = "cohesion") -> RabbitBroker:
    urls = [amqp_url] if isinstance(amqp_url, str) else list(amqp_url)
    # Publisher confirms plus on_return_raises: an unconfirmed or unroutable
    # (mandatory) publish raises instead of vanishing.
    broker = RabbitBroker(
        urls[0],
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
    if len(urls) > 1:
        broker._connection_kwargs["connection_class"] = failover(urls)  # FastStream hands it to connect_robust
    return broker


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
