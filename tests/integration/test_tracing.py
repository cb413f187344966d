"""One trace from the HTTP request through the database, the outbox, the broker and a consumer."""

from __future__ import annotations

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.wards import tables as wards_tables
from services.wards.app import definition as wards
from shared.events import EventMeta
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer
from shared.service import ServiceDefinition
from shared.telemetry import add_exporter, setup_telemetry
from shared.unit_of_work import UnitOfWork
from tests.support import eventually, running_service, token

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


async def test_the_trace_of_a_command_reaches_the_consumer_in_another_service(settings_for_test):
    exporter = InMemorySpanExporter()
    provider = setup_telemetry("wards")
    add_exporter(provider, SimpleSpanProcessor(exporter))

    consumed: list[str] = []

    async def on_ward(event: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
        consumed.append(meta.subject)

    listener = ServiceDefinition(
        name="grants",
        title="listener",
        description="a consumer in another service",
        metadata=wards_tables.metadata,
        consumers=[Consumer("test.trace-listener", on_ward)],
    )
    settings = settings_for_test("wards")
    async with (
        running_service(listener, settings_for_test("grants")),
        running_service(wards, settings) as (_, client),
    ):
        response = await client.post(
            "/v1/wards",
            json=[
                {"gss_code": "E05077777", "name": "Traced", "local_authority_name": "Rotherham", "boundary_set": "WD24"}
            ],
            headers={**token(settings, "officer"), "traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"},
        )
        assert response.status_code == 201
        await eventually(lambda: _async("E05077777" in consumed))

    spans = [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]
    kinds = {(s.kind, s.name.split(" ")[0]) for s in spans}
    # The HTTP request: one server span (not one per instrumentation layer), named for its route.
    assert [s.name for s in spans if s.kind == SpanKind.SERVER] == ["POST /v1/wards"], kinds
    assert any(
        s.kind == SpanKind.CLIENT and s.attributes and s.attributes.get("db.system") == "postgresql" for s in spans
    ), kinds
    assert (SpanKind.PRODUCER, "wards.ward.registered.v1") in kinds  # the relay's publish, after the outbox
    assert (SpanKind.CONSUMER, "test.trace-listener") in kinds  # the consumer in the other service
    exporter.clear()


async def test_probes_are_not_traced_and_every_response_names_its_trace(settings_for_test):
    exporter = InMemorySpanExporter()
    add_exporter(setup_telemetry("wards"), SimpleSpanProcessor(exporter))
    settings = settings_for_test("wards")
    async with running_service(wards, settings) as (_, client):
        exporter.clear()
        for probe in ("/healthz", "/readyz"):
            assert (await client.get(probe)).status_code == 200
        assert [s.name for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER] == []

        response = await client.get("/v1/wards", headers=token(settings, "officer"))
        assert response.status_code == 200
        [server] = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
        assert server.name == "GET /v1/wards"
        assert server.attributes is not None and server.attributes.get("http.response.status_code") == 200
        assert response.headers["x-trace-id"] == format(server.context.trace_id, "032x")
    exporter.clear()


async def _async(value: object) -> object:
    return value
