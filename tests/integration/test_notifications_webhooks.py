"""Webhooks end to end: events on the bus reach a real local HTTP endpoint, signed, retried and isolated.

The notifications service runs in-process with its real broker connection,
consumer and delivery worker; the partner's endpoint is a tiny HTTP server on
127.0.0.1 started by the test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest
from cloudevents.core.formats.json import JSONFormat
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from services.notifications.app import make_definition
from services.notifications.consumers import FAN_OUT, fan_out
from services.notifications.handover import Handover
from services.notifications.settings import WebhookSettings
from services.notifications.workers import DeliveryWorker
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE, Envelope, decode_envelope, new_envelope
from shared.events.catalogue.actions import MilestoneCompleted
from shared.events.catalogue.grants import ApplicationSubmitted
from shared.unit_of_work import Actor, UnitOfWork
from tests.support import COUNCIL, eventually, queue_depth, running_service, token

WARD = "E05012996"  # Boston Castle
OTHER_WARD = "E05012990"


# --- A partner's endpoint ------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: datetime


Responder = Callable[[Received], Awaitable[tuple[int, dict[str, str]]]]


async def answer_204(_: Received) -> tuple[int, dict[str, str]]:
    return 204, {}


@dataclass
class Endpoint:
    """A minimal HTTP/1.1 server (keep-alive, Content-Length bodies) recording every request."""

    respond: Responder = answer_204
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> Endpoint:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    def url(self, path: str = "/hooks/cohesion") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                _, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                received = Received(path, headers, body, datetime.now(UTC))
                self.requests.append(received)
                status, extra = await self.respond(received)
                reply = b"" if status in (204, 304) else b"ok"
                head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(reply)}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in extra.items())
                writer.write(head.encode() + b"\r\n" + reply)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


# --- Helpers -------------------------------------------------------------------------


def config(**overrides: object) -> WebhookSettings:
    values: dict[str, object] = {
        "allowed_hosts": ["127.0.0.1"],
        "retry_delays_seconds": [0.2, 0.2],
        "retry_jitter": 0.0,
        "poll_seconds": 0.1,
        "timeout_seconds": 10.0,
    }
    values.update(overrides)
    return WebhookSettings(**values)  # type: ignore[arg-type]


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def application_submitted(ward: str = WARD, *, event_id: str | None = None) -> Envelope:
    return new_envelope(
        "grants",
        ApplicationSubmitted(
            application_id=str(uuid.uuid4()), fund_id="fund-1", amount_requested_pence=250_000, ward_codes=[ward]
        ),
        subject="application-1",
        council=COUNCIL,
        traceparent=f"00-{TRACE_ID}-00f067aa0ba902b7-01",
        event_id=event_id,
    )


def milestone_completed() -> Envelope:
    return new_envelope(
        "actions",
        MilestoneCompleted(milestone_id="m1", action_id="a1", plan_id="p1", completed_at=datetime.now(UTC)),
        subject="m1",
        council=COUNCIL,
    )


async def publish(amqp_url: str, *envelopes: Envelope) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        for envelope in envelopes:
            await exchange.publish(
                aio_pika.Message(
                    envelope.to_json_bytes(),
                    content_type=CLOUDEVENTS_CONTENT_TYPE,
                    message_id=envelope.id,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=envelope.type,
            )


async def subscribe(client, settings, url: str, **filters: object) -> dict:
    officer = token(settings, "officer")
    partner = await client.post(
        "/v1/partners",
        json={
            "name": "South Yorkshire Police",
            "organisation": f"syp-{uuid.uuid4().hex[:6]}",
            "contact_email": "ops@syp.example",
        },
        headers=officer,
    )
    assert partner.status_code == 201, partner.text
    body = {"partner_id": partner.json()["id"], "url": url, "event_types": ["grants.#"], **filters}
    response = await client.post("/v1/subscriptions", json=body, headers=officer)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def scalar(runtime, sql: str, **params: object):
    async with runtime.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def outbox_types(runtime) -> list[str]:
    async with runtime.engine.connect() as conn:
        return list((await conn.execute(text("SELECT event_type FROM outbox ORDER BY seq"))).scalars())


# --- The first slice -----------------------------------------------------------------


async def test_a_matching_event_reaches_the_webhook_signed_as_the_cloudevent_and_others_do_not(
    settings_for_test, amqp_url
):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        sub = await subscribe(client, settings, endpoint.url(), wards=[WARD])
        wanted = application_submitted(WARD)
        other_type, other_ward = milestone_completed(), application_submitted(OTHER_WARD)
        await publish(amqp_url, other_type, other_ward, wanted)

        await eventually(lambda: _count(endpoint, 1))
        published = [e.id for e in (other_type, other_ward, wanted)]
        await eventually(
            lambda: scalar(runtime, "SELECT count(*) = 3 FROM inbox WHERE event_id = ANY(:ids)", ids=published)
        )
        request = endpoint.requests[0]

        assert request.headers["content-type"] == "application/cloudevents+json"
        assert Webhook(sub["secret"]).verify(request.body, request.headers)["id"] == wanted.id
        received = decode_envelope(request.body)
        assert (received.id, received.type, received.council, received.data) == (
            wanted.id,
            wanted.type,
            COUNCIL,
            wanted.data,
        )
        assert received.traceparent == wanted.traceparent
        assert JSONFormat().read(None, request.body).get_attributes()["source"] == "/cohesion/grants"
        # The POST continues the event's trace.
        assert request.headers["traceparent"].split("-")[1] == TRACE_ID

        assert await scalar(runtime, "SELECT count(*) FROM deliveries") == 1
        listed = (
            await client.get(f"/v1/subscriptions/{sub['id']}/deliveries", headers=token(settings, "officer"))
        ).json()
        assert [d["id"] for d in listed["items"]] == [request.headers["webhook-id"]]

        async def succeeded():
            response = await client.get(
                f"/v1/deliveries/{request.headers['webhook-id']}", headers=token(settings, "officer")
            )
            body = response.json()
            return body if body["status"] == "succeeded" else None

        delivery = await eventually(succeeded)
        assert delivery["event_id"] == wanted.id and delivery["attempts"] == 1
        [attempt] = delivery["attempt_log"]
        assert attempt["status_code"] == 204 and attempt["error"] is None and attempt["latency_ms"] >= 0
        assert "notifications.delivery.succeeded.v1" in await outbox_types(runtime)


async def _count(endpoint: Endpoint, n: int) -> bool:
    return len(endpoint.requests) >= n


async def test_the_same_event_twice_on_the_bus_is_delivered_once(settings_for_test, amqp_url):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        await subscribe(client, settings, endpoint.url())
        twice = application_submitted()
        marker = application_submitted()
        await publish(amqp_url, twice, twice, marker)

        await eventually(lambda: scalar(runtime, "SELECT count(*) = 2 FROM deliveries WHERE status = 'succeeded'"))
        ids = [decode_envelope(r.body).id for r in endpoint.requests]
        assert sorted(ids) == sorted([twice.id, marker.id])
        assert await scalar(runtime, "SELECT count(*) FROM deliveries") == 2


async def test_a_redelivered_event_creates_no_second_delivery(settings_for_test, amqp_url):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        await subscribe(client, settings, endpoint.url())
        envelope = application_submitted()
        await publish(amqp_url, envelope)
        await publish(amqp_url, envelope)  # the same event again, as a redelivery brings it
        await eventually(lambda: _count(endpoint, 1))
        await eventually(lambda: _drained(amqp_url, FAN_OUT))  # both acknowledged, neither handed back
        await asyncio.sleep(0.5)
        assert await scalar(runtime, "SELECT count(*) FROM deliveries WHERE event_id = :id", id=envelope.id) == 1
        assert len(endpoint.requests) == 1


async def _drained(amqp_url: str, queue: str) -> bool:
    return await queue_depth(amqp_url, queue) == 0


# --- Retries, giving up, disabling ---------------------------------------------------


async def test_5xx_and_429_are_retried_with_the_same_webhook_id_honouring_retry_after(settings_for_test, amqp_url):
    answers = iter([(503, {}), (429, {"Retry-After": "1"}), (200, {})])

    async def respond(_: Received) -> tuple[int, dict[str, str]]:
        return next(answers)

    settings = settings_for_test("notifications")
    async with Endpoint(respond) as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        sub = await subscribe(client, settings, endpoint.url())
        await publish(amqp_url, application_submitted())

        await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries"), timeout=20)
        assert len({r.headers["webhook-id"] for r in endpoint.requests}) == 1
        assert len(endpoint.requests) == 3
        # Retry-After: 1 was honoured although the backoff asked for only 0.2 s.
        assert endpoint.requests[2].at - endpoint.requests[1].at >= timedelta(seconds=1) - timedelta(milliseconds=50)
        for request in endpoint.requests:
            Webhook(sub["secret"]).verify(request.body, request.headers)

        delivery_id = endpoint.requests[0].headers["webhook-id"]
        log = (await client.get(f"/v1/deliveries/{delivery_id}", headers=token(settings, "officer"))).json()
        assert [a["status_code"] for a in log["attempt_log"]] == [503, 429, 200]
        types = await outbox_types(runtime)
        assert types.count("notifications.delivery.failed.v1") == 2
        assert types.count("notifications.delivery.succeeded.v1") == 1


async def test_a_delivery_failing_every_attempt_is_exhausted(settings_for_test, amqp_url):
    async def respond(_: Received) -> tuple[int, dict[str, str]]:
        return 500, {}

    settings = settings_for_test("notifications")
    async with Endpoint(respond) as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        await subscribe(client, settings, endpoint.url())
        await publish(amqp_url, application_submitted())

        await eventually(lambda: scalar(runtime, "SELECT status = 'exhausted' FROM deliveries"), timeout=20)
        assert len(endpoint.requests) == 3  # two delays configured: three attempts
        types = await outbox_types(runtime)
        assert types.count("notifications.delivery.failed.v1") == 3
        assert types.count("notifications.delivery.exhausted.v1") == 1


async def test_410_disables_the_endpoint_and_later_events_are_not_delivered(settings_for_test, amqp_url):
    async def respond(_: Received) -> tuple[int, dict[str, str]]:
        return 410, {}

    settings = settings_for_test("notifications")
    async with Endpoint(respond) as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        sub = await subscribe(client, settings, endpoint.url())
        await publish(amqp_url, application_submitted())

        async def disabled():
            body = (await client.get(f"/v1/subscriptions/{sub['id']}", headers=token(settings, "officer"))).json()
            return body if body["status"] == "disabled" else None

        assert (await eventually(disabled))["disabled_reason"] == "gone"
        assert await scalar(runtime, "SELECT status FROM deliveries WHERE kind = 'event'") == "failed"
        assert "notifications.endpoint.disabled.v1" in await outbox_types(runtime)
        # The partner is told out of band: an email to its contact, queued in the same transaction.
        assert await scalar(runtime, "SELECT count(*) FROM deliveries WHERE kind = 'endpoint_disabled'") == 1

        later = application_submitted()
        await publish(amqp_url, later)
        await eventually(lambda: scalar(runtime, "SELECT count(*) = 1 FROM inbox WHERE event_id = :id", id=later.id))
        assert await scalar(runtime, "SELECT count(*) FROM deliveries WHERE kind = 'event'") == 1
        assert len(endpoint.requests) == 1


async def test_an_endpoint_failing_for_longer_than_allowed_is_disabled(settings_for_test, amqp_url):
    async def respond(_: Received) -> tuple[int, dict[str, str]]:
        return 502, {}

    settings = settings_for_test("notifications")
    definition = make_definition(config(disable_after_seconds=0.3, retry_delays_seconds=[0.2] * 10))
    async with Endpoint(respond) as endpoint, running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        sub = await subscribe(client, settings, endpoint.url())
        await publish(amqp_url, application_submitted())

        await eventually(lambda: scalar(runtime, "SELECT status = 'disabled' FROM subscriptions"), timeout=20)
        body = (await client.get(f"/v1/subscriptions/{sub['id']}", headers=token(settings, "officer"))).json()
        assert body["disabled_reason"] == "sustained_failure"
        assert "notifications.endpoint.disabled.v1" in await outbox_types(runtime)


# --- Secret rotation, resend and replay ----------------------------------------------


async def test_after_a_rotation_deliveries_verify_with_the_old_and_the_new_secret(settings_for_test, amqp_url):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (_, client):
        sub = await subscribe(client, settings, endpoint.url())
        rotated = await client.post(f"/v1/subscriptions/{sub['id']}/secret:rotate", headers=token(settings, "officer"))
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret.startswith("whsec_") and new_secret != sub["secret"]

        await publish(amqp_url, application_submitted())
        await eventually(lambda: _count(endpoint, 1))
        request = endpoint.requests[0]
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        Webhook(new_secret).verify(request.body, request.headers)
        Webhook(sub["secret"]).verify(request.body, request.headers)


async def test_a_resent_delivery_carries_the_same_webhook_id_and_body(settings_for_test, amqp_url):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        await subscribe(client, settings, endpoint.url())
        await publish(amqp_url, application_submitted())
        await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries"))

        delivery_id = endpoint.requests[0].headers["webhook-id"]
        resent = await client.post(f"/v1/deliveries/{delivery_id}:resend", headers=token(settings, "officer"))
        assert resent.status_code == 200, resent.text
        await eventually(lambda: _count(endpoint, 2))
        first, second = endpoint.requests
        assert second.headers["webhook-id"] == delivery_id and second.body == first.body
        await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries"))
        assert await scalar(runtime, "SELECT attempts FROM deliveries") == 2


async def test_a_replay_redelivers_only_the_deliveries_created_in_the_range(settings_for_test, amqp_url):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        sub = await subscribe(client, settings, endpoint.url())
        officer = token(settings, "officer")
        await publish(amqp_url, application_submitted(), application_submitted())
        await eventually(lambda: scalar(runtime, "SELECT count(*) = 2 FROM deliveries WHERE status = 'succeeded'"))

        before = datetime.now(UTC) - timedelta(hours=2)
        empty = await client.post(
            f"/v1/subscriptions/{sub['id']}:replay",
            json={"from": before.isoformat(), "to": (before + timedelta(hours=1)).isoformat()},
            headers=officer,
        )
        assert empty.json() == {"subscription_id": sub["id"], "deliveries": 0}

        replay = await client.post(
            f"/v1/subscriptions/{sub['id']}:replay",
            json={"from": before.isoformat(), "to": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()},
            headers=officer,
        )
        assert replay.json()["deliveries"] == 2
        await eventually(lambda: _count(endpoint, 4))
        ids = [r.headers["webhook-id"] for r in endpoint.requests]
        assert sorted(ids[:2]) == sorted(ids[2:])
        assert "notifications.subscription.replay_requested.v1" in await outbox_types(runtime)


# --- Where webhooks may go -----------------------------------------------------------


async def test_an_internal_address_is_refused_at_connect_time_not_only_at_registration(settings_for_test, amqp_url):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint:
        # Registered while 127.0.0.1 was allowed (think: a host name that resolved to a public address then) ...
        async with running_service(make_definition(config()), settings) as (_, client):
            await subscribe(client, settings, endpoint.url())
        # ... and delivered by a service that allows nothing internal.
        async with running_service(make_definition(config(allowed_hosts=[])), settings) as (app, client):
            runtime = app.state.runtime
            await publish(amqp_url, application_submitted())
            error = await eventually(
                lambda: scalar(runtime, "SELECT error FROM delivery_attempts ORDER BY id LIMIT 1"), timeout=20
            )
            assert error.startswith("refused:") and "loopback" in error
            assert endpoint.requests == []


async def test_registering_an_internal_address_is_refused(settings_for_test):
    settings = settings_for_test("notifications")
    async with running_service(make_definition(config(allowed_hosts=[])), settings) as (_, client):
        officer = token(settings, "officer")
        partner = await client.post(
            "/v1/partners",
            json={"name": "Fire", "organisation": "syfr", "contact_email": "ops@syfr.example"},
            headers=officer,
        )
        response = await client.post(
            "/v1/subscriptions",
            json={"partner_id": partner.json()["id"], "url": "http://169.254.169.254/latest", "event_types": ["#"]},
            headers=officer,
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "metadata" in response.json()["detail"]


# --- Hand-over from fan-out to the worker beside it ----------------------------------


@dataclass
class OwnWorker:
    """A delivery worker running beside the service's own, and the Handover fan-out gives it deliveries by."""

    worker: DeliveryWorker
    handover: Handover
    running: asyncio.Task[None]

    async def stop(self) -> None:
        self.running.cancel()
        await asyncio.gather(self.running, return_exceptions=True)


@asynccontextmanager
async def worker_of_our_own(runtime, webhook_config: WebhookSettings) -> AsyncIterator[OwnWorker]:
    handover = Handover()
    worker = DeliveryWorker(runtime, webhook_config, handover=handover)
    own = OwnWorker(worker, handover, asyncio.create_task(worker.run()))
    try:
        await eventually(lambda: _async(handover.worker is worker))
        yield own
    finally:
        await own.stop()


async def _async(value: object) -> object:
    return value


async def lease_seen_in(uow: UnitOfWork, event_id: str) -> timedelta:
    """How far ahead of now the event's delivery is due, as this (uncommitted) transaction sees it."""
    db = await uow.driver()
    due = await db.fetchval("SELECT next_attempt_at - clock_timestamp() FROM deliveries WHERE event_id = $1", event_id)
    assert isinstance(due, timedelta)
    return due


async def test_fan_out_hands_a_new_delivery_leased_to_the_worker_which_sends_it_once_committed(settings_for_test):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        sub = await subscribe(client, settings, endpoint.url())
        async with worker_of_our_own(runtime, config(lease_seconds=60)) as own:
            worker, handover = own.worker, own.handover
            envelope = application_submitted()
            async with runtime.uow(Actor("test")) as uow:
                await fan_out(envelope, uow, handover=handover)
                # Leased to this worker in fan-out's own transaction: no claim will take it.
                assert await lease_seen_in(uow, envelope.id) > timedelta(seconds=55)
                assert worker.in_flight == {sub["id"]: 1} and worker.reserved == 1
                await asyncio.sleep(0.3)
                assert endpoint.requests == []  # nothing is sent before the change is durable
                await uow.commit()

            await eventually(lambda: _count(endpoint, 1))
            request = endpoint.requests[0]
            assert Webhook(sub["secret"]).verify(request.body, request.headers)["id"] == envelope.id
            assert request.headers["webhook-id"] == await scalar(
                runtime, "SELECT id FROM deliveries WHERE event_id = :id", id=envelope.id
            )
            await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries"))
            await eventually(lambda: _async(not worker.in_flight and worker.reserved == 0))
            assert len(endpoint.requests) == 1


async def test_a_fan_out_rolled_back_gives_its_places_back_and_sends_nothing(settings_for_test):
    settings = settings_for_test("notifications")
    async with Endpoint() as endpoint, running_service(make_definition(config()), settings) as (app, client):
        runtime = app.state.runtime
        await subscribe(client, settings, endpoint.url())
        async with worker_of_our_own(runtime, config()) as own:
            worker, handover = own.worker, own.handover
            with pytest.raises(RuntimeError):
                async with runtime.uow(Actor("test")) as uow:
                    await fan_out(application_submitted(), uow, handover=handover)
                    assert worker.reserved == 1
                    raise RuntimeError("the consumer's transaction fails after fan-out")
            assert not worker.in_flight and worker.reserved == 0
            await asyncio.sleep(0.5)
            assert endpoint.requests == []
            assert await scalar(runtime, "SELECT count(*) FROM deliveries") == 0


async def test_an_endpoint_with_no_room_gets_its_delivery_due_and_claimed_once_there_is_room(settings_for_test):
    settings = settings_for_test("notifications")
    no_polling = config(poll_seconds=30, per_endpoint_concurrency=1)
    async with Endpoint() as endpoint, running_service(make_definition(no_polling), settings) as (app, client):
        runtime = app.state.runtime
        sub = await subscribe(client, settings, endpoint.url())
        async with worker_of_our_own(runtime, no_polling) as own:
            worker, handover = own.worker, own.handover
            assert worker.reserve(sub["id"])  # the endpoint's one place is taken
            envelope = application_submitted()
            async with runtime.uow(Actor("test")) as uow:
                await fan_out(envelope, uow, handover=handover)
                assert await lease_seen_in(uow, envelope.id) <= timedelta(0)  # due now, for a claim
                assert worker.reserved == 1
                await uow.commit()
            # No NOTIFY: the workers were not woken for a delivery they have no room for.
            await asyncio.sleep(0.5)
            assert endpoint.requests == []
            worker.release([sub["id"]])  # room again: the worker wakes and claims it
            await eventually(lambda: _count(endpoint, 1))
            assert decode_envelope(endpoint.requests[0].body).id == envelope.id


async def test_a_handed_over_delivery_whose_worker_stops_is_sent_once_its_lease_runs_out(settings_for_test):
    """As a process killed between fan-out's commit and the POST: the lease, not memory, keeps it safe."""
    settings = settings_for_test("notifications")
    short_lease = config(lease_seconds=0.5, timeout_seconds=0.5)
    async with Endpoint() as endpoint, running_service(make_definition(short_lease), settings) as (app, client):
        runtime = app.state.runtime
        await subscribe(client, settings, endpoint.url())
        async with worker_of_our_own(runtime, short_lease) as own:
            worker, handover = own.worker, own.handover
            envelope = application_submitted()
            async with runtime.uow(Actor("test")) as uow:
                await fan_out(envelope, uow, handover=handover)
                assert worker.reserved == 1
                await own.stop()  # the worker goes away before the transaction commits
                await uow.commit()
            assert worker.reserved == 0 and not worker.in_flight
            assert endpoint.requests == []
        # Claimed by the service's own worker once the lease has run out: sent once, under its one id.
        await eventually(lambda: _count(endpoint, 1))
        delivery_id = await scalar(runtime, "SELECT id FROM deliveries WHERE event_id = :id", id=envelope.id)
        await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries"))
        assert [r.headers["webhook-id"] for r in endpoint.requests] == [delivery_id]


# --- Isolation -----------------------------------------------------------------------


async def test_a_slow_endpoint_does_not_hold_up_another(settings_for_test, amqp_url):
    release = asyncio.Event()
    in_flight = 0
    most_in_flight = 0

    async def slow(_: Received) -> tuple[int, dict[str, str]]:
        nonlocal in_flight, most_in_flight
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await release.wait()
        in_flight -= 1
        return 204, {}

    settings = settings_for_test("notifications")
    definition = make_definition(config(per_endpoint_concurrency=1, timeout_seconds=30))
    async with (
        Endpoint(slow) as slow_endpoint,
        Endpoint() as fast_endpoint,
        running_service(definition, settings) as (app, client),
    ):
        runtime = app.state.runtime
        await subscribe(client, settings, slow_endpoint.url())
        await subscribe(client, settings, fast_endpoint.url())
        await publish(amqp_url, application_submitted(), application_submitted(), application_submitted())

        # Every delivery to the fast endpoint arrives while the slow one still holds its first.
        await eventually(lambda: _count(fast_endpoint, 3))
        assert len(slow_endpoint.requests) == 1
        release.set()
        await eventually(lambda: _count(slow_endpoint, 3))
        await eventually(lambda: scalar(runtime, "SELECT count(*) = 6 FROM deliveries WHERE status = 'succeeded'"))
        assert most_in_flight == 1


async def test_a_redirect_is_never_followed_and_the_attempt_is_retried(settings_for_test, amqp_url):
    async with Endpoint() as elsewhere:

        async def redirect(_: Received) -> tuple[int, dict[str, str]]:
            return 307, {"Location": elsewhere.url()}

        settings = settings_for_test("notifications")
        async with (
            Endpoint(redirect) as endpoint,
            running_service(make_definition(config()), settings) as (app, client),
        ):
            runtime = app.state.runtime
            await subscribe(client, settings, endpoint.url())
            await publish(amqp_url, application_submitted())

            await eventually(lambda: scalar(runtime, "SELECT status = 'exhausted' FROM deliveries"), timeout=20)
            assert len(endpoint.requests) == 3 and not elsewhere.requests
            codes = await scalar(runtime, "SELECT array_agg(status_code ORDER BY number) FROM delivery_attempts")
            assert codes == [307, 307, 307]


async def test_an_endpoint_that_never_answers_is_cut_off_at_the_timeout(settings_for_test, amqp_url):
    async def never(_: Received) -> tuple[int, dict[str, str]]:
        await asyncio.sleep(3600)
        return 204, {}

    settings = settings_for_test("notifications")
    definition = make_definition(config(timeout_seconds=0.5, retry_delays_seconds=[0.2]))
    async with Endpoint(never) as endpoint, running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        await subscribe(client, settings, endpoint.url())
        await publish(amqp_url, application_submitted())

        await eventually(lambda: scalar(runtime, "SELECT status = 'exhausted' FROM deliveries"), timeout=20)
        async with runtime.engine.connect() as conn:
            attempts = (await conn.execute(text("SELECT latency_ms, error FROM delivery_attempts"))).all()
        assert len(attempts) == 2
        for latency_ms, error in attempts:
            assert error.startswith("timeout:"), error
            assert 450 <= latency_ms < 3000, latency_ms
