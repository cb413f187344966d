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
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage, AbstractRobustConnection
from faststream.rabbit import RabbitBroker
from faststream.rabbit.message import RabbitMessage
from faststream.rabbit.schemas.channel import Channel

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
        # Handlers take the raw message (see raw_message) and decode it themselves. FastStream's
        # dependency injection resolved a message parameter in a worker thread, a thread hop per
        # message that cost more than the handler's own work on a busy queue.
        apply_types=False,
        # "Received"/"Processed" for every message is debugging detail, not an operator's log line
        # (the consumer's span holds the outcome); at DEBUG it is not even formatted.
        log_level=logging.DEBUG,
    )
    if len(urls) > 1:
        broker._connection_kwargs["connection_class"] = failover(urls)  # FastStream hands it to connect_robust
    return broker


async def raw_message(message: RabbitMessage) -> AbstractIncomingMessage:
    """A subscriber's decoder: the handler is given aio-pika's message itself (body, headers, ack)."""
    return message.raw_message
