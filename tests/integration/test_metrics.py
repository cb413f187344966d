"""GET /metrics: what operators watch (outbox lag, queue depth, consumer outcomes, deliveries, webhook latency).

The meter provider is one per process, shared by every service a test runs
in-process, so each test compares the figures before and after its own work.
"""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from services.notifications.app import make_definition
from services.wards.domain import Ward
from services.wards.handlers import register_wards
from shared.events import EventMeta
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer
from shared.unit_of_work import Actor, UnitOfWork
from tests.integration.test_backbone import probe_definition
from tests.integration.test_notifications_webhooks import Endpoint, application_submitted, config, publish, subscribe
from tests.support import COUNCIL, eventually, running_service

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value (0 when it is not there yet); labels not named are ignored (summed)."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= set(have))


async def test_the_outbox_the_consumers_and_their_queues_are_measured(settings_for_test):
    async def note_ward(event: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
        return None

    consumer = Consumer("metrics.ward-notes", note_ward)
    settings = settings_for_test("wards", queue_watch_seconds=0.2)
    async with running_service(probe_definition(consumer), settings) as (app, client):
        runtime = app.state.runtime
        before = await scrape(client)
        async with runtime.uow(Actor("test")) as uow:
            await register_wards(
                uow,
                [
                    Ward(
                        gss_code=f"E0590000{n}",
                        name=f"Ward {n}",
                        local_authority_gss=COUNCIL,
                        local_authority_name="Rotherham",
                        boundary_set="WD24",
                    )
                    for n in range(3)
                ],
            )

        async def three_processed() -> Samples | None:
            now = await scrape(client)
            processed = value(now, "cohesion_consumer_messages_total", consumer=consumer.name, outcome="processed")
            return (
                now
                if processed - value(before, "cohesion_consumer_messages_total", consumer=consumer.name) >= 3
                else None
            )

        after = await eventually(three_processed)
        assert value(after, "cohesion_outbox_published_total") - value(before, "cohesion_outbox_published_total") >= 3
        lag_count = "cohesion_outbox_lag_milliseconds_count"
        assert value(after, lag_count) - value(before, lag_count) >= 3
        assert value(after, "cohesion_outbox_lag_milliseconds_sum") > value(
            before, "cohesion_outbox_lag_milliseconds_sum"
        )
        assert value(after, "cohesion_consumer_duration_milliseconds_count", consumer=consumer.name) >= 3

        # Depths are read from the broker: the queue and its DLQ, both empty once the messages are handled.
        async def depths_read() -> Samples | None:
            now = await scrape(client)
            names = {dict(labels).get("queue") for (n, labels) in now if n == "cohesion_queue_depth"}
            return now if {consumer.name, f"{consumer.name}.dlq"} <= names else None

        depths = await eventually(depths_read)
        assert value(depths, "cohesion_queue_depth", queue=consumer.name) == 0

        # HTTP requests, by route and status: the scrapes above are requests too.
        served = await scrape(client)
        assert (
            value(
                served,
                "http_server_request_duration_seconds_count",
                http_route="/metrics",
                http_response_status_code="200",
            )
            >= 2
        )


async def test_deliveries_and_webhook_latency_are_counted_once_committed(settings_for_test, amqp_url):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (_, client):
        await subscribe(client, settings, endpoint.url())
        before = await scrape(client)
        await publish(amqp_url, application_submitted(), application_submitted())

        async def two_succeeded() -> Samples | None:
            now = await scrape(client)
            name = "cohesion_deliveries_total"
            done = value(now, name, channel="webhook", outcome="succeeded") - value(
                before, name, channel="webhook", outcome="succeeded"
            )
            return now if done >= 2 else None

        after = await eventually(two_succeeded)
        latency = "cohesion_webhook_latency_milliseconds_count"
        assert value(after, latency, status_class="2xx") - value(before, latency, status_class="2xx") >= 2
        assert len(endpoint.requests) == 2
