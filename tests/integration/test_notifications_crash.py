"""Crash safety of webhook delivery: the notifications service is SIGKILLed mid-delivery and restarted.

The service runs as a separate process (as in production), so a kill really
drops its HTTP connection, its database sessions and its unacknowledged
messages. The partner's endpoint is a small HTTP server on 127.0.0.1 that can
be told to hang.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from standardwebhooks.webhooks import Webhook

from shared.db import create_engine
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE, Envelope, new_envelope
from shared.events.catalogue.grants import ApplicationSubmitted
from shared.settings import Settings
from tests.support import COUNCIL, RUN_ID, eventually, token
from tests.system import System, system_env

FAN_OUT = "notifications.fan-out"

# A short lease and timeout, so the delivery the killed process held is due again within seconds.
SERVICE_ENV = {
    "COHESION_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    "COHESION_WEBHOOK_LEASE_SECONDS": "0.5",
    "COHESION_WEBHOOK_TIMEOUT_SECONDS": "3",
    "COHESION_WEBHOOK_POLL_SECONDS": "0.1",
    "COHESION_WEBHOOK_RETRY_DELAYS_SECONDS": "0.2,0.2",
    "COHESION_WEBHOOK_RETRY_JITTER": "0",
}


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A partner's endpoint: records every request; while ``hanging`` is set it answers nothing."""

    requests: list[Request] = field(default_factory=list)
    hanging: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        self.release.set()
        assert self._server is not None
        self._server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/cohesion"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readline():  # the request line
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(Request(headers, body))
                if self.hanging:
                    await self.release.wait()
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


def application_submitted() -> Envelope:
    return new_envelope(
        "grants",
        ApplicationSubmitted(
            application_id=str(uuid.uuid4()), fund_id="fund-1", amount_requested_pence=250_000, ward_codes=[]
        ),
        subject="application-1",
        council=COUNCIL,
    )


async def publish(amqp_url: str, envelope: Envelope) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        await exchange.publish(
            aio_pika.Message(
                envelope.to_json_bytes(),
                content_type=CLOUDEVENTS_CONTENT_TYPE,
                message_id=envelope.id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=envelope.type,
        )


@pytest.fixture
async def system(settings_for_test: Any, amqp_url: str, tmp_path: Path) -> AsyncIterator[System]:
    """The notifications service as its own process on this test's (freshly emptied) vhost and database."""
    settings_for_test("notifications")  # empties the tables and deletes the queues first
    env, urls = system_env(f"cohesion_test_{RUN_ID}", amqp_url, **SERVICE_ENV)
    running = System(env=env, urls=urls, log_dir=tmp_path)
    running.start("notifications")
    try:
        await running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture
async def database(settings_for_test: Any) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings_for_test("notifications").db_url, pool_size=2)
    yield engine
    await engine.dispose()


async def subscribe(system: System, settings: Settings, url: str) -> dict[str, Any]:
    officer = token(settings, "officer")
    async with httpx.AsyncClient(base_url=system.urls["notifications"], headers=officer, timeout=10) as client:
        partner = await client.post(
            "/v1/partners",
            json={"name": "South Yorkshire Police", "organisation": "syp", "contact_email": "ops@syp.example"},
        )
        assert partner.status_code == 201, partner.text
        subscription = await client.post(
            "/v1/subscriptions",
            json={"partner_id": partner.json()["id"], "url": url, "event_types": ["grants.#"]},
        )
        assert subscription.status_code == 201, subscription.text
        return dict(subscription.json())


async def delivery_status(system: System, settings: Settings, delivery_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=system.urls["notifications"], timeout=10) as client:
        response = await client.get(f"/v1/deliveries/{delivery_id}", headers=token(settings, "officer"))
        assert response.status_code == 200, response.text
        return dict(response.json())


async def restart(system: System) -> None:
    system.start("notifications")
    await system.wait_ready()


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


def assert_one_webhook_id_all_signed(receiver: Receiver, secret: str, event_id: str) -> str:
    assert receiver.requests, "the endpoint saw no request"
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert len(ids) == 1, f"the event went out under several webhook-ids: {ids}"
    for request in receiver.requests:
        assert Webhook(secret).verify(request.body, request.headers)["id"] == event_id
    return ids.pop()


async def test_a_delivery_in_flight_when_the_service_is_killed_is_completed_after_restart_under_the_same_webhook_id(
    system: System, settings_for_test: Any, amqp_url: str, database: AsyncEngine
) -> None:
    settings = settings_for_test("notifications")
    async with Receiver(hanging=True) as receiver:
        subscription = await subscribe(system, settings, receiver.url)
        event = application_submitted()
        await publish(amqp_url, event)

        await eventually(lambda: _seen(receiver, 1), timeout=20)
        system.stop("notifications", kill=True)  # the POST is still waiting for an answer
        receiver.hanging = False
        receiver.release.set()  # the dead process's socket is gone: that answer reaches nobody
        in_flight = await delivery_status_from_db(database, event.id)
        assert in_flight == ("pending", 0), "the killed process recorded an outcome it never received"

        await restart(system)
        await eventually(lambda: _seen(receiver, 2), timeout=30)
        delivery_id = assert_one_webhook_id_all_signed(receiver, subscription["secret"], event.id)

        delivery = await eventually(lambda: _succeeded(system, settings, delivery_id), timeout=20)
        assert delivery["event_id"] == event.id and delivery["subscription_id"] == subscription["id"]
        assert [a["status_code"] for a in delivery["attempt_log"]] == [204]
        rows = "SELECT count(*) FROM deliveries WHERE subscription_id = :s AND event_id = :e"
        assert await scalar(database, rows, s=subscription["id"], e=event.id) == 1
        assert len(receiver.requests) == 2  # the interrupted POST and the one that completed it


async def test_an_event_being_fanned_out_when_the_service_is_killed_is_delivered_once_after_restart(
    system: System, settings_for_test: Any, amqp_url: str, database: AsyncEngine
) -> None:
    settings = settings_for_test("notifications")
    async with Receiver() as receiver:
        subscription = await subscribe(system, settings, receiver.url)
        event = application_submitted()
        # Hold the fan-out mid-transaction: our uncommitted row with the event's id makes its
        # insert into received_events wait, after it has claimed the event in its inbox.
        async with database.connect() as blocker:
            transaction = await blocker.begin()
            await blocker.execute(
                text(
                    "INSERT INTO received_events (event_id, event_type, council, body)"
                    " VALUES (:id, :type, :council, '\\x7b7d')"
                ),
                {"id": event.id, "type": event.type, "council": COUNCIL},
            )
            await publish(amqp_url, event)
            await eventually(lambda: _fan_out_waiting_on(blocker), timeout=20)
            system.stop("notifications", kill=True)  # the message is still unacknowledged
            await transaction.rollback()

        assert await scalar(database, "SELECT count(*) FROM deliveries WHERE event_id = :e", e=event.id) == 0
        await restart(system)  # the broker hands the unacknowledged event to the new process

        await eventually(lambda: _seen(receiver, 1), timeout=30)
        delivery_id = assert_one_webhook_id_all_signed(receiver, subscription["secret"], event.id)
        delivery = await eventually(lambda: _succeeded(system, settings, delivery_id), timeout=20)
        assert delivery["attempts"] == 1
        rows = "SELECT count(*) FROM deliveries WHERE subscription_id = :s AND event_id = :e"
        assert await scalar(database, rows, s=subscription["id"], e=event.id) == 1
        assert await scalar(database, "SELECT count(*) FROM inbox WHERE event_id = :e", e=event.id) == 1
        await asyncio.sleep(1.0)  # room for a wrongful second attempt to show itself
        assert len(receiver.requests) == 1


async def _seen(receiver: Receiver, n: int) -> bool:
    return len(receiver.requests) >= n


async def _succeeded(system: System, settings: Settings, delivery_id: str) -> dict[str, Any] | None:
    body = await delivery_status(system, settings, delivery_id)
    return body if body["status"] == "succeeded" else None


async def _fan_out_waiting_on(blocker: AsyncConnection) -> bool:
    """Whether another session (the service's consumer) is waiting for a lock this connection holds."""
    waiting = await blocker.execute(
        text("SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
    )
    return bool(waiting.scalar())


async def delivery_status_from_db(engine: AsyncEngine, event_id: str) -> tuple[str, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT status, attempts FROM deliveries WHERE event_id = :e"), {"e": event_id})
        ).one()
    return str(row.status), int(row.attempts)
