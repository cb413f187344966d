"""A partner's own queue, against the real broker: it gets what it subscribed to, and can do nothing else.

Each partner user is a real RabbitMQ user created through the management API;
the tests connect as that user with aio-pika and read with the official
CloudEvents SDK, as a partner would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import aio_pika
import aio_pika.exceptions
import aiormq.exceptions
import pytest
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq

from services.notifications.app import make_definition
from services.notifications.partner_queues import PARTNERS_EXCHANGE, username
from services.notifications.settings import QueueSettings
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE, new_envelope
from shared.events.catalogue.grants import ApplicationSubmitted
from shared.messaging.management import ManagementApi
from tests.integration.test_notifications_webhooks import (
    OTHER_WARD,
    WARD,
    application_submitted,
    config,
    milestone_completed,
    outbox_types,
    publish,
    scalar,
)
from tests.support import OTHER_COUNCIL, eventually, running_service, token


@asynccontextmanager
async def notifications(settings_for_test) -> AsyncIterator[tuple[Any, Any, Any]]:
    settings = settings_for_test("notifications")
    queues = QueueSettings(retry_delays_seconds=[0.2, 0.2], retry_jitter=0.0, poll_seconds=0.1)
    definition = make_definition(config(), queues=queues)
    created: list[str] = []
    async with running_service(definition, settings) as (app, client):
        app.state.created_queue_subscriptions = created
        try:
            yield app, client, settings
        finally:
            # Broker users are global, not per vhost: remove every one the test made.
            async with ManagementApi(settings) as api:
                for subscription_id in created:
                    await api.delete_user(username(subscription_id))


async def subscribe_queue(app, client, settings, *, organisation: str | None = None, **fields: Any) -> dict[str, Any]:
    organisation = organisation or f"syp-{uuid.uuid4().hex[:6]}"
    partner = await client.post(
        "/v1/partners",
        json={"name": "South Yorkshire Police", "organisation": organisation, "contact_email": "ops@syp.example"},
        headers=token(settings, "officer"),
    )
    assert partner.status_code == 201, partner.text
    body = {"channel": "amqp", "event_types": ["grants.application.*.v1"], **fields}
    # The partner subscribes itself, with its own token.
    response = await client.post("/v1/subscriptions", json=body, headers=as_partner(settings, organisation))
    assert response.status_code == 201, response.text
    created = dict(response.json())
    app.state.created_queue_subscriptions.append(created["id"])
    return created


def as_partner(settings, organisation: str) -> dict[str, str]:
    return token(settings, "partner", organisation=organisation, subject=f"{organisation}-integration")


def partner_url(access: dict[str, Any], password: str | None = None) -> str:
    base = access["url"].split("://", 1)[1].split("/", 1)[0]
    vhost = access["vhost"].replace("/", "%2F")
    return f"amqp://{access['username']}:{password or access['password']}@{base}/{vhost}"


async def read(
    access: dict[str, Any], count: int, *, timeout: float = 15.0
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Consume ``count`` messages from the partner's own queue, as the partner."""
    connection = await aio_pika.connect(partner_url(access))
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(access["queue"], ensure=False)
        received: list[aio_pika.abc.AbstractIncomingMessage] = []
        async with asyncio.timeout(timeout):
            async with queue.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    received.append(message)
                    if len(received) == count:
                        break
        return received


async def test_a_partner_reads_the_events_it_subscribed_to_from_its_own_queue_as_cloudevents(
    settings_for_test, amqp_url
):
    async with notifications(settings_for_test) as (app, client, settings):
        sub = await subscribe_queue(app, client, settings, wards=[WARD])
        access = sub["queue_access"]
        assert (sub["channel"], sub["secret"]) == ("amqp", None)
        assert access["queue"] == f"partner.{sub['id']}" and access["password"]
        assert "guest" not in access["url"]  # no credentials of the service's own

        wanted = application_submitted(WARD)
        other_ward, other_type = application_submitted(OTHER_WARD), milestone_completed()
        other_council = new_envelope(
            "grants",
            ApplicationSubmitted(application_id="leeds-1", fund_id="f", amount_requested_pence=1, ward_codes=[WARD]),
            subject="leeds-1",
            council=OTHER_COUNCIL,
        )
        await publish(amqp_url, other_ward, other_type, other_council, wanted)

        [message] = await read(access, 1)
        assert message.message_id == wanted.id
        assert message.content_type == CLOUDEVENTS_CONTENT_TYPE
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        event = ce_rabbitmq.from_rabbitmq_event(
            ce_rabbitmq.RabbitMQMessage(headers={}, content_type=message.content_type, body=message.body)
        )
        attributes = event.get_attributes()
        assert (attributes["id"], attributes["type"], attributes["council"]) == (wanted.id, wanted.type, wanted.council)
        assert attributes["traceparent"] == wanted.traceparent
        data = event.get_data()
        assert isinstance(data, dict) and data["ward_codes"] == [WARD]

        runtime = app.state.runtime
        await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries WHERE channel = 'amqp'"))
        assert await scalar(runtime, "SELECT count(*) FROM deliveries WHERE channel = 'amqp'") == 1
        types = await outbox_types(runtime)
        assert "notifications.subscription.queue_granted.v1" in types
        assert types.count("notifications.delivery.succeeded.v1") == 1


async def ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    return None


async def _refused(operation) -> bool:
    """True when the broker refused it (403 ACCESS_REFUSED closes the channel; aiormq may surface that as a
    cancellation of the pending call, carrying the broker's reason)."""
    try:
        await operation
    except (aiormq.exceptions.AMQPError, asyncio.CancelledError) as exc:
        if "ACCESS_REFUSED" not in str(exc):
            raise
        return True
    return False


async def test_a_partners_user_can_read_its_own_queue_and_nothing_else(settings_for_test, amqp_url):
    async with notifications(settings_for_test) as (app, client, settings):
        mine = (await subscribe_queue(app, client, settings))["queue_access"]
        theirs = (await subscribe_queue(app, client, settings))["queue_access"]

        connection = await aio_pika.connect(partner_url(mine))
        async with connection:
            # Another partner's queue: refused.
            channel = await connection.channel()
            other = await channel.get_queue(theirs["queue"], ensure=False)
            assert await _refused(other.consume(ignore))
            # Binding its own queue to more keys, or to the events exchange: refused.
            channel = await connection.channel()
            own = await channel.get_queue(mine["queue"], ensure=False)
            assert await _refused(own.bind(PARTNERS_EXCHANGE, f"{theirs['queue'].split('.', 1)[1]}.#"))
            channel = await connection.channel()
            own = await channel.get_queue(mine["queue"], ensure=False)
            assert await _refused(own.bind(EVENTS_EXCHANGE, "#"))
            # Declaring a queue of its own: refused.
            channel = await connection.channel()
            assert await _refused(channel.declare_queue("sneaky", durable=False, exclusive=True))
            # Publishing anywhere: refused (with confirms, the publish fails).
            for exchange_name in (EVENTS_EXCHANGE, PARTNERS_EXCHANGE):
                channel = await connection.channel(publisher_confirms=True)
                exchange = await channel.get_exchange(exchange_name, ensure=False)
                assert await _refused(exchange.publish(aio_pika.Message(b"{}"), routing_key="grants.fake.v1"))

        # Its own queue, it can read.
        await publish(amqp_url, application_submitted())
        assert len(await read(mine, 1)) == 1


async def test_rotating_credentials_stops_the_old_password_and_revoking_takes_the_queue_away(
    settings_for_test, amqp_url
):
    async with notifications(settings_for_test) as (app, client, settings):
        organisation = f"syp-{uuid.uuid4().hex[:6]}"
        sub = await subscribe_queue(app, client, settings, organisation=organisation)
        old = sub["queue_access"]
        partner = as_partner(settings, organisation)
        runtime = app.state.runtime

        held_open = await aio_pika.connect(partner_url(old))
        rotated = await client.post(f"/v1/subscriptions/{sub['id']}/queue-credentials:rotate", headers=partner)
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()
        assert new["password"] != old["password"] and new["queue"] == old["queue"]
        with pytest.raises(aio_pika.exceptions.ProbableAuthenticationError):
            await aio_pika.connect(partner_url(old))
        await eventually(lambda: _closed(held_open))  # its open connection was closed too
        await publish(amqp_url, application_submitted())
        assert len(await read(new, 1)) == 1

        # Another partner cannot touch this subscription.
        stranger = as_partner(settings, "someone-else")
        denied = await client.post(f"/v1/subscriptions/{sub['id']}/queue-credentials:revoke", headers=stranger)
        assert denied.status_code == 404

        revoked = await client.post(f"/v1/subscriptions/{sub['id']}/queue-credentials:revoke", headers=partner)
        assert revoked.status_code == 200, revoked.text
        assert (revoked.json()["status"], revoked.json()["disabled_reason"]) == ("disabled", "revoked")
        with pytest.raises(aio_pika.exceptions.ProbableAuthenticationError):
            await aio_pika.connect(partner_url(new))
        again = await client.post(f"/v1/subscriptions/{sub['id']}:enable", headers=partner)
        assert again.status_code == 409 and "subscribe again" in again.text
        rotate_revoked = await client.post(f"/v1/subscriptions/{sub['id']}/queue-credentials:rotate", headers=partner)
        assert rotate_revoked.status_code == 409
        assert (rotate_revoked.json()["title"], rotate_revoked.json()["current_state"]) == (
            "Subscription disabled",
            "disabled",
        )

        later = application_submitted()
        await publish(amqp_url, later)
        await eventually(lambda: scalar(runtime, "SELECT count(*) = 1 FROM inbox WHERE event_id = :id", id=later.id))
        assert await scalar(runtime, "SELECT count(*) FROM deliveries WHERE event_id = :id", id=later.id) == 0
        types = await outbox_types(runtime)
        assert "notifications.subscription.queue_credentials_rotated.v1" in types
        assert "notifications.subscription.queue_revoked.v1" in types


async def _closed(connection: aio_pika.abc.AbstractConnection) -> bool:
    if connection.is_closed:
        return True
    with suppress(Exception):
        channel = await connection.channel()
        await channel.close()
        return False
    await connection.close()
    return True


async def test_a_queue_subscription_takes_no_url_or_email(settings_for_test):
    async with notifications(settings_for_test) as (_, client, settings):
        refused = await client.post(
            "/v1/subscriptions",
            json={"channel": "amqp", "event_types": ["grants.#"], "url": "https://x.example/", "partner_id": "p"},
            headers=token(settings, "officer"),
        )
        assert refused.status_code == 422 and "a queue subscription has no url" in refused.text
