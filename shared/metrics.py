"""Metrics for operators: outbox lag, queue depth, consumer outcomes, deliveries by outcome, webhook latency,
webhook endpoints disabled.

OpenTelemetry instruments, read two ways: ``GET /metrics`` on every service
(Prometheus text, for a scraper or a curl), and pushed by OTLP next to the
traces when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set. Each process counts its
own work; with ``COHESION_WORKERS`` > 1, each scrape reaches one of them.

Instruments are created here, once, through OpenTelemetry's API: made before
the provider is set, they follow it once it is.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.resources import Resource

_configured = False
# Depths of the consumer queues and DLQs, as last read from the broker (see Runtime's queue watch).
queue_depths: dict[str, int] = {}


def setup_metrics(service: str) -> None:
    """Install the meter provider for this process: read by /metrics, and exported by OTLP when configured."""
    global _configured
    if _configured:
        return
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader

    readers: list[MetricReader] = [PrometheusMetricReader()]
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    resource = Resource.create({"service.name": f"cohesion-{service}"})
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    _configured = True


def prometheus_text() -> tuple[bytes, str]:
    """The current figures in Prometheus' text format, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(), CONTENT_TYPE_LATEST


def _observe_queue_depths(_: CallbackOptions) -> Iterable[Observation]:
    return [Observation(depth, {"queue": name}) for name, depth in sorted(queue_depths.items())]


_meter = metrics.get_meter("cohesion")

OUTBOX_LAG = _meter.create_histogram(
    "cohesion.outbox.lag",
    unit="ms",
    description="From an event's commit (its outbox row) to the broker's confirm of its publish.",
)
OUTBOX_PUBLISHED = _meter.create_counter(
    "cohesion.outbox.published", description="Events the relay published and the broker confirmed."
)
OUTBOX_FAILURES = _meter.create_counter(
    "cohesion.outbox.publish_failures", description="Publishes that failed or came back; the event is tried again."
)
CONSUMER_MESSAGES = _meter.create_counter(
    "cohesion.consumer.messages",
    description="Messages each consumer handled, by outcome: processed, duplicate, retried, dead_lettered, requeued.",
)
CONSUMER_DURATION = _meter.create_histogram(
    "cohesion.consumer.duration", unit="ms", description="A consumer's handling of one message, transaction included."
)
DELIVERIES = _meter.create_counter(
    "cohesion.deliveries",
    description="Delivery attempts to partners, by channel and outcome: succeeded, failed, exhausted.",
)
WEBHOOK_LATENCY = _meter.create_histogram(
    "cohesion.webhook.latency",
    unit="ms",
    description="A webhook request, from sending to the partner's answer (or the error), by status class.",
)
ENDPOINTS_DISABLED = _meter.create_counter(
    "cohesion.webhook.endpoints_disabled",
    description="Partner webhook endpoints switched off automatically, by reason: gone (410), sustained_failure.",
)
QUEUE_DEPTH = _meter.create_observable_gauge(
    "cohesion.queue.depth",
    callbacks=[_observe_queue_depths],
    description="Messages waiting in each of this service's consumer queues and DLQs.",
)


def status_class(status_code: int | None) -> str:
    """``2xx``, ``4xx``, ``5xx``…, or ``error`` when no answer came."""
    return f"{status_code // 100}xx" if status_code else "error"
