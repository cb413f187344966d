"""OpenTelemetry set-up: one trace from HTTP request to the partner's webhook.

The trace context crosses the outbox as the ``traceparent`` stored on the row
and travels in the CloudEvent's ``traceparent`` extension, so a consumer in
another service continues the same trace. Work that no request or message
started (a clock's occurrence) starts a trace of its own (``new_trace``), so
every event carries one.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider, sampling
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import Sampler
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_ids = RandomIdGenerator()
_configured = False
# The clock (a service's scheduled job) whose run this is, if any: it names the traces it starts.
_clock: ContextVar[str | None] = ContextVar("cohesion_clock", default=None)


class RecordWhenExported(Sampler):
    """Record spans only while something exports them; the trace context travels either way.

    With no exporter, spans are non-recording but still carry a trace id, so
    ``traceparent`` crosses the outbox and the broker and logs keep their
    ``trace_id`` — without paying for spans nobody reads. Once an exporter is
    added, the configured sampler (``OTEL_TRACES_SAMPLER``, default parent-based
    always-on) decides.
    """

    def __init__(self) -> None:
        self.exporting = False
        self._when_exporting = sampling._get_from_env_or_default()
        self._otherwise = sampling.ParentBased(sampling.ALWAYS_OFF)

    def should_sample(self, *args: Any, **kwargs: Any) -> sampling.SamplingResult:
        chosen = self._when_exporting if self.exporting else self._otherwise
        return chosen.should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return f"RecordWhenExported({self._when_exporting.get_description()})"


_sampler = RecordWhenExported()


def setup_telemetry(service: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install a tracer provider named for the service; export OTLP when configured."""
    global _configured
    provider = trace.get_tracer_provider()
    if not (_configured and isinstance(provider, TracerProvider)):
        provider = TracerProvider(resource=Resource.create({"service.name": f"cohesion-{service}"}), sampler=_sampler)
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            add_exporter(provider, BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _configured = True
        _setup_logging(service)
    if exporter is not None:
        add_exporter(provider, BatchSpanProcessor(exporter))
    return provider


def add_exporter(provider: TracerProvider, processor: SpanProcessor) -> None:
    """Export spans through ``processor``, and from now on record them (SQL statements included)."""
    provider.add_span_processor(processor)
    _sampler.exporting = True
    _trace_database_calls()


def _trace_database_calls() -> None:
    """A span per SQL statement, from the moment spans are exported; not before. With nothing
    exporting them they were never recorded, yet making them cost about a tenth of a busy
    consumer's time (the webhook recorder's, in a py-spy profile).

    HTTP clients are instrumented one by one where a service makes them (``traced``), not by
    patching httpx for the whole process: a process that embeds a service (a test, a tool) keeps
    its own clients' traceparent headers as it set them.
    """
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


@functools.cache
def tracer(name: str = "cohesion") -> trace.Tracer:
    # Asking the SDK's provider for a tracer compares instrumentation scopes each time: about a
    # fifth of a millisecond per span here, paid by every delivery. A tracer asked for before the
    # provider is set is OpenTelemetry's proxy, which follows the provider once it is.
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def in_a_trace() -> bool:
    return trace.get_current_span().get_span_context().is_valid


@contextmanager
def on_clock(name: str) -> Iterator[None]:
    """Run a clock's job: a trace it starts is named after it."""
    token = _clock.set(name)
    try:
        yield
    finally:
        _clock.reset(token)


def new_trace(occurrence: str, **attributes: Any) -> str:
    """The ``traceparent`` of a new trace, for what no request or message started: its root span, named
    after the clock running (if any) and the occurrence, ended at once (what follows is its children)."""
    clock = _clock.get()
    name = f"{clock} {occurrence}" if clock else occurrence
    span = tracer().start_span(
        name,
        context=otel_context.Context(),
        kind=SpanKind.INTERNAL,
        attributes={"cohesion.clock": clock or "", **attributes},
    )
    span.end()
    context = span.get_span_context()
    if not context.is_valid:  # no tracer provider set up (a tool, a test): the trace still gets an id
        return f"00-{_ids.generate_trace_id():032x}-{_ids.generate_span_id():016x}-00"
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier["traceparent"]


def trace_id_of(traceparent: str | None) -> str | None:
    if not traceparent:
        return None
    parts = traceparent.split("-")
    return parts[1] if len(parts) == 4 else None


@contextmanager
def span_from(traceparent: str | None, name: str, kind: SpanKind, **attributes: Any) -> Iterator[trace.Span]:
    """A span continuing the trace a message carries (or a new trace when it carries none)."""
    parent = _propagator.extract({"traceparent": traceparent}) if traceparent else otel_context.Context()
    with tracer().start_as_current_span(name, context=parent, kind=kind, attributes=attributes) as span:
        yield span


class JsonLogFormatter(logging.Formatter):
    """Structured logs, one JSON object a line, with the trace id when there is one."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        trace_id = current_trace_id()
        if trace_id:
            entry["trace_id"] = trace_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _setup_logging(service: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("COHESION_LOG_LEVEL", "INFO"))


def traced(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A client whose requests are spans and carry the current ``traceparent`` (webhooks, broker API)."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)
    return client
