"""``python -m tests.bench.subscriber``: the CPU of a consumer's FastStream subscriber path, per message.

What FastStream and our parser and decoder do for each message of grants'
``grants.ward-directory`` consumer — parse, read the CloudEvent into the
handler's model, call, acknowledge — with the handler's database work left
out and no broker: each message is an in-memory stand-in for aio-pika's,
handed to the subscriber as the broker would. ``--variant`` measures what
docs/adr/0006-how-faststream-is-used.md weighed against it: FastStream's
dependency injection, a ``Context()`` parameter, FastStream's OpenTelemetry
and Prometheus middlewares.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from faststream import Context
from faststream._internal.endpoint.subscriber.utils import MultiLock
from faststream.rabbit import RabbitBroker
from prometheus_client import CollectorRegistry

from services.grants.app import definition
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EventData, new_envelope
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer, ConsumerRuntime, EventMessage
from shared.service import service_broker
from shared.settings import settings_for

VARIANTS = ("as-built", "dependency-injection", "context-parameter", "otel-middleware", "prometheus-middleware")


class StandIn:
    """The parts of aio-pika's incoming message the subscriber path reads."""

    def __init__(self, body: bytes) -> None:
        self.body, self.content_type = body, CLOUDEVENTS_CONTENT_TYPE
        self.headers: dict[str, Any] = {}
        self.message_id, self.correlation_id, self.reply_to, self.type, self.timestamp = "m", "c", None, None, None
        self.routing_key, self.exchange, self.delivery_tag, self.locked, self.acks = (
            "wards.ward.registered.v1",
            "",
            1,
            False,
            0,
        )

    async def ack(self, multiple: bool = False) -> None:
        self.acks += 1

    async def nack(self, multiple: bool = False, requeue: bool = True) -> None:
        raise AssertionError("nacked")

    async def reject(self, requeue: bool = False) -> None:
        raise AssertionError("rejected")


def apply(variant: str) -> None:
    """Change what the variant changes, before the broker is built."""

    async def handled(self: ConsumerRuntime, consumer: Consumer, event: EventData, message: EventMessage) -> None:
        return None  # the handler's database work is not what this measures

    ConsumerRuntime.process = handled  # type: ignore[method-assign]
    built = RabbitBroker.__init__

    def broker(self: RabbitBroker, *args: Any, **kwargs: Any) -> None:
        if variant in ("dependency-injection", "context-parameter"):
            kwargs["apply_types"] = True
        if variant == "otel-middleware":
            from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware

            kwargs["middlewares"] = (RabbitTelemetryMiddleware(),)
        if variant == "prometheus-middleware":
            from faststream.rabbit.prometheus import RabbitPrometheusMiddleware

            kwargs["middlewares"] = (RabbitPrometheusMiddleware(registry=CollectorRegistry()),)
        built(self, *args, **kwargs)

    RabbitBroker.__init__ = broker  # type: ignore[method-assign]
    if variant == "context-parameter":

        def call_for(self: ConsumerRuntime, consumer: Consumer) -> Any:
            async def on_event(event: Any, message: Any = Context("message")) -> None:
                await self.process(consumer, event, message)

            on_event.__annotations__ = {"event": consumer.events[0], "return": None}
            return on_event

        ConsumerRuntime._call_for = call_for  # type: ignore[method-assign]


async def measure(messages: int, warmup: int) -> float:
    broker = service_broker(definition, settings_for("grants"), engine=None)
    broker._setup_logger()
    [subscriber] = [s for s in broker.subscribers if "ward-directory" in str(getattr(s, "queue", ""))]
    subscriber._build_fastdepends_model()
    subscriber.lock, subscriber.running = MultiLock(), True
    ward = WardRegistered(gss_code="E05000001", name="Ward", local_authority_gss="E08000018", boundary_set="WD24")
    body = new_envelope("wards", ward, subject="E05000001", council="E08000018").to_json_bytes()
    stand_ins: list[Any] = [StandIn(body) for _ in range(warmup + messages)]
    for message in stand_ins[:warmup]:
        await subscriber.consume(message)
    started = time.process_time()
    for message in stand_ins[warmup:]:
        await subscriber.consume(message)
    cpu = time.process_time() - started
    if any(m.acks != 1 for m in stand_ins):
        raise RuntimeError("a message was not acknowledged once: the figure would be wrong")
    return cpu / messages * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.subscriber", description=__doc__)
    parser.add_argument("--variant", choices=VARIANTS, default="as-built")
    parser.add_argument("--messages", type=int, default=18_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    args = parser.parse_args()
    apply(args.variant)
    figure = asyncio.run(measure(args.messages, args.warmup))
    print(f"grants.ward-directory subscriber path, {args.variant}: {figure:.0f} µs CPU/message")
    print(f"  command: uv run --frozen python -m tests.bench.subscriber --variant {args.variant}")


if __name__ == "__main__":
    main()
