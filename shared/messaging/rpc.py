"""Calls between services over RabbitMQ: a typed request, a typed answer, a timeout.

Prefer a local read model built from events; call only where an answer is needed now.

- A ``Procedure`` names the call and its request and response models (a pydantic
  ``RpcRequest`` carrying the council it asks about, and a ``RpcResponse``).
- A service answers through a ``Responder``: a plain async function
  ``(request, uow) -> response`` listed in its ``ServiceDefinition.responders``.
  It answers only for records of ``request.council`` and raises ``NotFound`` for
  anything else. Responders read; the unit of work they get is never committed.
- A caller uses ``Runtime.call(procedure, request)`` (an ``RpcClient``); it returns
  the response model or raises a typed ``RpcError``.

On the wire: the request goes through the default exchange to the queue
``rpc.<procedure>`` with ``reply_to`` set to RabbitMQ's direct reply-to
(``amq.rabbitmq.reply-to``), a correlation id, the caller's ``traceparent`` and an
expiration equal to the call's timeout. The queue is a durable quorum queue,
like every other queue here: it is declared once by the responders (several
instances compete on it), survives a broker node going away in the cluster, and
keeps requests for a responder being restarted — but never longer than the
caller waits, since the broker drops a request once its expiration passes.
(A transient shared queue would vanish with its node and is deprecated by newer
RabbitMQ.) Requests are not persistent: an answer nobody waits for is worth nothing.
The reply carries ``x-cohesion-rpc-status``: ``ok``, ``not_found``, ``invalid`` or ``error``.

FastStream's ``broker.request`` is not used for calls: it holds one lock per broker
for the whole round trip, so one slow call would queue every other call of the
service behind it. ``RpcClient`` keeps one reply consumer and any number of calls in flight.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection
from aiormq.exceptions import AMQPError, DeliveryError
from faststream import AckPolicy
from faststream.rabbit import QueueType, RabbitBroker, RabbitQueue
from faststream.rabbit.message import RabbitMessage
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.telemetry import current_traceparent, span_from, tracer
from shared.unit_of_work import Actor, UnitOfWork

log = logging.getLogger(__name__)

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
STATUS_HEADER = "x-cohesion-rpc-status"
TRACEPARENT_HEADER = "traceparent"
DEFAULT_TIMEOUT_SECONDS = 5.0
# A request that keeps killing its responder is dropped by the broker after this many deliveries.
DELIVERY_LIMIT = 5


# --- The contract ---------------------------------------------------------------------------------


class RpcRequest(BaseModel):
    """A question asked of another service, always about one council's records."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    council: str = Field(pattern=r"^[EWSN][0-9]{8}$", description="GSS code of the council the records belong to")


class RpcResponse(BaseModel):
    """An answer; like event payloads, responses ignore fields they do not know (additive changes only)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


Req = TypeVar("Req", bound=RpcRequest)
Resp = TypeVar("Resp", bound=RpcResponse)


@dataclass(frozen=True)
class Procedure(Generic[Req, Resp]):
    """A named call, ``<service>.<question>`` (e.g. ``grants.grantee_contact``), with its typed request and response."""

    name: str
    request: type[Req]
    response: type[Resp]
    description: str = ""

    @property
    def queue(self) -> str:
        return f"rpc.{self.name}"


# --- Errors: what a caller can get instead of an answer -------------------------------------------


class RpcError(Exception):
    """A call did not produce an answer."""

    status: ClassVar[str] = "error"

    def __init__(self, detail: str, *, procedure: str = "") -> None:
        super().__init__(f"{procedure}: {detail}" if procedure else detail)
        self.detail = detail
        self.procedure = procedure


class NotFound(RpcError):
    """The responder has no such record in the council asked about. Raised by responders; re-raised at the caller."""

    status = "not_found"


class InvalidRequest(RpcError):
    """The responder could not read the request (the two sides disagree on the contract)."""

    status = "invalid"


class RemoteError(RpcError):
    """The responder failed while answering."""

    status = "error"


class RpcUnavailable(RpcError):
    """No answer came back: nobody serves the procedure, or not in time. Worth retrying later."""

    status = "unavailable"


class RpcTimeout(RpcUnavailable):
    """No answer within the call's timeout."""


class NoResponder(RpcUnavailable):
    """The broker had nowhere to route the request: no service has ever declared the procedure."""


_ERRORS: dict[str, type[RpcError]] = {e.status: e for e in (NotFound, InvalidRequest, RemoteError)}


# --- Answering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Responder(Generic[Req, Resp]):
    """A service's answer to a procedure: ``handle(request, uow)`` returns the response or raises ``NotFound``."""

    procedure: Procedure[Req, Resp]
    handle: Callable[[Req, UnitOfWork], Awaitable[Resp]]
    description: str = ""


def responder_queue(procedure: Procedure[Any, Any]) -> RabbitQueue:
    return RabbitQueue(  # type: ignore[call-overload]
        procedure.queue,
        durable=True,
        queue_type=QueueType.QUORUM,
        arguments={"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT},
    )


class ResponderRuntime:
    """Subscribes each responder to its procedure's queue on the service's broker and replies to every request."""

    def __init__(self, broker: RabbitBroker, engine: AsyncEngine | None, service: str) -> None:
        self.broker = broker
        self.engine = engine
        self.service = service

    def register(self, responder: Responder[Any, Any]) -> None:
        context = self.broker.context

        async def on_request(body: bytes) -> None:
            # The request is read in ``answer``, so that one that does not validate still gets its
            # answer (``invalid``); the message comes from FastStream's context, read directly.
            message: RabbitMessage = context.get_local("message")
            await self.answer(responder, message.raw_message)

        self.broker.subscriber(
            responder_queue(responder.procedure),
            decoder=_body,
            ack_policy=AckPolicy.MANUAL,
            no_reply=True,  # the reply is published below, with its status
            title=responder.procedure.queue,
            description=responder.description or responder.procedure.description,
        )(on_request)

    async def answer(self, responder: Responder[Any, Any], message: AbstractIncomingMessage) -> None:
        procedure = responder.procedure
        headers: dict[str, Any] = dict(message.headers or {})
        traceparent = headers.get(TRACEPARENT_HEADER)
        with span_from(
            str(traceparent) if traceparent else None,
            f"{procedure.queue} process",
            SpanKind.SERVER,
            **{"rpc.system": "rabbitmq", "rpc.service": self.service, "rpc.method": procedure.name},
        ) as span:
            status, body = await self._respond(responder, message.body)
            if status != "ok":
                span.set_status(Status(StatusCode.ERROR, status))
            span.set_attribute("cohesion.rpc.status", status)
            try:
                if message.reply_to:
                    await self.broker.publish(
                        body,
                        queue=message.reply_to,
                        mandatory=False,  # the caller may have given up and gone: nothing to return to
                        persist=False,
                        correlation_id=message.correlation_id,
                        content_type="application/json",
                        headers={STATUS_HEADER: status},
                    )
                else:
                    log.warning("%s got a request with no reply_to; nobody to answer", procedure.queue)
            except Exception:
                # The caller times out and may ask again; redelivering a read to us would not help it.
                log.exception("%s could not reply to %s", procedure.queue, message.correlation_id)
            finally:
                await message.ack()

    async def _respond(self, responder: Responder[Any, Any], body: bytes) -> tuple[str, bytes]:
        procedure = responder.procedure
        try:
            request = procedure.request.model_validate_json(body)
        except ValidationError as exc:
            return InvalidRequest.status, _detail(f"request is not a {procedure.request.__name__}: {exc}")
        actor = Actor(f"rpc:{procedure.name}", council=request.council)
        assert self.engine is not None, "a responder answers only in a running service"
        try:
            async with UnitOfWork(self.engine, self.service, actor) as uow:
                response = await responder.handle(request, uow)
        except RpcError as exc:
            return exc.status, _detail(exc.detail)
        except Exception as exc:
            log.exception("%s failed", procedure.queue)
            return RemoteError.status, _detail(f"{type(exc).__name__} in {self.service}")
        return "ok", procedure.response.model_validate(response).model_dump_json().encode()


async def _body(message: RabbitMessage) -> bytes:
    return message.body


def _detail(text: str) -> bytes:
    return _Detail(detail=text).model_dump_json().encode()


class _Detail(BaseModel):
    detail: str


# --- Calling --------------------------------------------------------------------------------------


class RpcClient:
    """Calls procedures: one connection and one direct reply-to consumer, any number of calls in flight."""

    def __init__(self, amqp_url: str, service: str, *, default_timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.amqp_url = amqp_url
        self.service = service
        self.default_timeout = default_timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._replies: AbstractQueue | None = None
        self._pending: dict[str, asyncio.Future[AbstractIncomingMessage]] = {}
        self._connecting = asyncio.Lock()

    async def call(self, procedure: Procedure[Req, Resp], request: Req, *, timeout: float | None = None) -> Resp:
        """Ask ``procedure``; the typed answer, or ``NotFound`` / ``InvalidRequest`` / ``RemoteError`` / ``RpcUnavailable``."""
        if not isinstance(request, procedure.request):
            raise TypeError(f"{procedure.name} takes a {procedure.request.__name__}, not {type(request).__name__}")
        seconds = self.default_timeout if timeout is None else timeout
        with tracer().start_as_current_span(
            f"{procedure.queue} call",
            kind=SpanKind.CLIENT,
            attributes={"rpc.system": "rabbitmq", "rpc.service": self.service, "rpc.method": procedure.name},
        ) as span:
            try:
                async with asyncio.timeout(seconds):
                    reply = await self._round_trip(procedure, request, seconds)
            except TimeoutError:
                span.set_status(Status(StatusCode.ERROR, "timeout"))
                raise RpcTimeout(f"no answer within {seconds:g}s", procedure=procedure.name) from None
            except DeliveryError:
                span.set_status(Status(StatusCode.ERROR, "no responder"))
                raise NoResponder("no service serves this procedure", procedure=procedure.name) from None
            except (AMQPError, ConnectionError) as exc:
                span.set_status(Status(StatusCode.ERROR, "broker unreachable"))
                raise RpcUnavailable(f"broker unreachable: {exc}", procedure=procedure.name) from exc
            return _answer(procedure, reply)

    async def _round_trip(
        self, procedure: Procedure[Any, Any], request: RpcRequest, seconds: float
    ) -> AbstractIncomingMessage:
        channel = await self._ready()
        correlation_id = uuid.uuid4().hex
        reply: asyncio.Future[AbstractIncomingMessage] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = reply
        headers: dict[str, Any] = {}
        traceparent = current_traceparent()
        if traceparent:
            headers[TRACEPARENT_HEADER] = traceparent
        try:
            await channel.default_exchange.publish(
                aio_pika.Message(
                    request.model_dump_json().encode(),
                    content_type="application/json",
                    correlation_id=correlation_id,
                    reply_to=DIRECT_REPLY_TO,
                    expiration=seconds,  # the broker drops a request once nobody waits for it
                    type=procedure.name,
                    app_id=f"cohesion-{self.service}",
                    headers=headers,
                    delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
                ),
                routing_key=procedure.queue,
                mandatory=True,  # unroutable: returned at once (NoResponder) rather than waiting out the timeout
            )
            return await reply
        finally:
            self._pending.pop(correlation_id, None)

    async def _ready(self) -> AbstractChannel:
        async with self._connecting:
            if self._channel is None:
                connection = await aio_pika.connect_robust(self.amqp_url)
                channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                # Direct reply-to: consume the pseudo-queue without acks on the channel that publishes.
                replies = await channel.declare_queue(DIRECT_REPLY_TO, passive=True)
                await replies.consume(self._on_reply, no_ack=True)
                self._connection, self._channel, self._replies = connection, channel, replies
            return self._channel

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        waiting = self._pending.get(message.correlation_id or "")
        if waiting is not None and not waiting.done():
            waiting.set_result(message)
        # Otherwise a late answer to a call that already timed out: dropped.

    async def close(self) -> None:
        for waiting in self._pending.values():
            waiting.cancel()
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._replies = None


def _answer(procedure: Procedure[Any, Resp], reply: AbstractIncomingMessage) -> Resp:
    status = str((reply.headers or {}).get(STATUS_HEADER, "error"))
    if status == "ok":
        return procedure.response.model_validate_json(reply.body)
    try:
        detail = _Detail.model_validate_json(reply.body).detail
    except ValidationError:
        detail = reply.body.decode(errors="replace")
    raise _ERRORS.get(status, RemoteError)(detail, procedure=procedure.name)
