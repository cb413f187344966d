"""One trace from the HTTP request through the database, the outbox, the broker and a consumer."""

from __future__ import annotations

import dataclasses
import json

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.wards import tables as wards_tables
from services.wards.app import definition as wards
from shared.events import EventMeta
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer
from shared.service import Runtime, Schedule, ServiceDefinition
from shared.telemetry import add_exporter, setup_telemetry, trace_id_of
from shared.unit_of_work import Actor, UnitOfWork
from tests.integration.test_backbone import Tap, probe_definition, ward_event
from tests.support import COUNCIL, eventually, running_service, token

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


async def test_an_event_a_clock_raises_starts_a_trace_of_its_own_named_after_the_clock_and_the_occurrence(
    settings_for_test, amqp_url
):
    exporter = InMemorySpanExporter()
    add_exporter(setup_telemetry("wards"), SimpleSpanProcessor(exporter))

    async def ward_check(runtime: Runtime) -> None:
        async with runtime.uow(Actor("scheduler")) as uow:
            if await uow.first_occurrence("ward-overdue", "E05000077"):  # claimed once, ever
                uow.emit(ward_event("E05000077"), subject="E05000077", council=COUNCIL)
            await uow.commit()
            uow.emit(ward_event("E05000078"), subject="E05000078", council=COUNCIL)  # no occurrence claimed
            await uow.commit()

    definition = dataclasses.replace(probe_definition(), schedules=[Schedule("ward-check", ward_check, 60)])
    async with Tap(amqp_url) as tap, running_service(definition, settings_for_test("wards")):
        await eventually(lambda: _async(len(tap.messages) >= 2))

    traces = {json.loads(m.body)["subject"]: trace_id_of(json.loads(m.body).get("traceparent")) for m in tap.messages}
    assert traces["E05000077"] and traces["E05000078"] and traces["E05000077"] != traces["E05000078"]
    roots = {format(s.context.trace_id, "032x"): s for s in exporter.get_finished_spans() if s.parent is None}
    assert roots[traces["E05000077"]].name == "ward-check ward-overdue E05000077"
    assert roots[traces["E05000078"]].name == "ward-check wards.ward.registered.v1 E05000078"
    relayed = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.PRODUCER]
    assert {format(s.context.trace_id, "032x") for s in relayed} >= set(traces.values())  # the relay continued them
    exporter.clear()


async def _async(value: object) -> object:
    return value
