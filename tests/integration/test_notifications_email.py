"""Email end to end: events on the bus reach a real SMTP server started by the test.

The notifications service runs in-process with its real broker connection, fan-out
consumer and email worker; the mail server is aiosmtpd on 127.0.0.1, which can be told
to refuse a mailbox (550 5.1.1) or to ask the sender to try again later (451).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from services.notifications.app import make_definition
from services.notifications.domain import LONDON
from services.notifications.emails import send_due_digests
from services.notifications.settings import EmailSettings, links_for
from tests.integration.test_notifications_webhooks import (
    Endpoint,
    Received,
    application_submitted,
    config,
    outbox_types,
    publish,
    scalar,
)
from tests.support import eventually, running_service, token

ADDRESS = "community-safety@syp.example"


# --- A mail server -----------------------------------------------------------------


@dataclass
class MailServer:
    """Records every message; refuses the mailboxes in ``unknown`` and defers the next ``defer`` messages."""

    unknown: set[str] = field(default_factory=set)
    defer: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    recipients_seen: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: SmtpEnvelope, address: str, rcpt_options: list[str]
    ) -> str:
        self.recipients_seen.append(address)
        if address.lower() in self.unknown:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:  # noqa: N802
        if self.defer > 0:
            self.defer -= 1
            return "451 4.3.0 Try again later"
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 2.0.0 Queued"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def arrived(self, address: str, count: int = 1) -> bool:
        return len(self.to(address)) >= count


def free_port() -> int:
    # aiosmtpd's Controller checks it is up by connecting to its configured port, so port 0 won't do.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def mail_server() -> AsyncIterator[tuple[MailServer, int]]:
    server, port = MailServer(), free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        yield server, port
    finally:
        await asyncio.to_thread(controller.stop)


def email_config(port: int, **overrides: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "smtp_port": port,
        "retry_delays_seconds": [0.2, 0.2],
        "retry_jitter": 0.0,
        "poll_seconds": 0.1,
        "timeout_seconds": 5.0,
        "from_address": "Cohesion <notifications@cohesion.test>",
    }
    values.update(overrides)
    return EmailSettings(**values)


@asynccontextmanager
async def notifications(settings_for_test, port: int, **email_overrides: Any) -> AsyncIterator[tuple[Any, Any, Any]]:
    settings = settings_for_test("notifications")
    definition = make_definition(config(), email_config(port, **email_overrides))
    async with running_service(definition, settings) as (app, client):
        yield app, client, settings


async def a_partner(client, settings, contact: str = "ops@syp.example") -> dict[str, Any]:
    response = await client.post(
        "/v1/partners",
        json={
            "name": "South Yorkshire Police",
            "organisation": f"syp-{uuid.uuid4().hex[:6]}",
            "contact_email": contact,
        },
        headers=token(settings, "officer"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def subscribe_email(client, settings, address: str = ADDRESS, **fields: Any) -> dict[str, Any]:
    partner = await a_partner(client, settings)
    body = {
        "partner_id": partner["id"],
        "channel": "email",
        "email": address,
        "mode": "immediate",
        "event_types": ["grants.#"],
        **fields,
    }
    response = await client.post("/v1/subscriptions", json=body, headers=token(settings, "officer"))
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- Immediate emails ----------------------------------------------------------------


async def test_an_event_is_emailed_at_once_with_a_message_id_derived_from_the_event(settings_for_test, amqp_url):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        sub = await subscribe_email(client, settings)
        assert (sub["channel"], sub["mode"], sub["secret"]) == ("email", "immediate", None)
        event = application_submitted()
        await publish(amqp_url, event)

        await eventually(lambda: mail.arrived(ADDRESS))
        message = mail.to(ADDRESS)[0]
        assert message["Message-ID"] == f"<{event.id}.{sub['id']}@cohesion.notifications>"
        assert message["From"] == "Cohesion <notifications@cohesion.test>"
        assert message["Auto-Submitted"] == "auto-generated"
        assert "grants.application.submitted.v1" in message["Subject"]
        text = message.get_content()
        assert event.id in text and "amount_requested_pence: 250000" in text

        runtime = app.state.runtime
        await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries WHERE kind = 'event'"))
        types = await outbox_types(runtime)
        assert types.count("notifications.delivery.succeeded.v1") == 1
        listed = await client.get(f"/v1/subscriptions/{sub['id']}/deliveries", headers=token(settings, "officer"))
        [delivery] = listed.json()["items"]
        assert (delivery["channel"], delivery["status"], delivery["event_id"]) == ("email", "succeeded", event.id)


async def test_a_deferred_email_is_retried_with_the_same_message_id(settings_for_test, amqp_url):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        mail.defer = 1
        sub = await subscribe_email(client, settings)
        event = application_submitted()
        await publish(amqp_url, event)

        await eventually(lambda: mail.arrived(ADDRESS))
        runtime = app.state.runtime
        await eventually(lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries WHERE kind = 'event'"))
        delivery_id = await scalar(runtime, "SELECT id FROM deliveries WHERE kind = 'event'")
        detail = (await client.get(f"/v1/deliveries/{delivery_id}", headers=token(settings, "officer"))).json()
        assert [a["status_code"] for a in detail["attempt_log"]] == [451, 250]
        assert "Try again later" in detail["attempt_log"][0]["response_excerpt"]
        assert mail.to(ADDRESS)[0]["Message-ID"] == f"<{event.id}.{sub['id']}@cohesion.notifications>"
        assert (await outbox_types(runtime)).count("notifications.delivery.failed.v1") == 1


async def test_an_unknown_mailbox_is_put_on_the_suppression_list_and_never_emailed_again(settings_for_test, amqp_url):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        mail.unknown.add(ADDRESS)
        await subscribe_email(client, settings, address=ADDRESS.upper())  # compared case-blind
        runtime = app.state.runtime
        await publish(amqp_url, application_submitted())
        await eventually(lambda: scalar(runtime, "SELECT status = 'failed' FROM deliveries WHERE kind = 'event'"))
        listed = (await client.get("/v1/suppressions", headers=token(settings, "officer"))).json()["items"]
        assert [(s["address"], s["reason"]) for s in listed] == [(ADDRESS, "user_unknown")]

        second = application_submitted()
        await publish(amqp_url, second)
        await eventually(
            lambda: scalar(runtime, "SELECT status = 'suppressed' FROM deliveries WHERE event_id = :id", id=second.id)
        )
        assert len(mail.recipients_seen) == 1  # the second was never offered to the server
        types = await outbox_types(runtime)
        assert types.count("notifications.suppression.added.v1") == 1
        assert types.count("notifications.delivery.suppressed.v1") == 1
        assert not mail.messages


async def test_an_officer_suppresses_an_address_and_lifts_it_again(settings_for_test, amqp_url):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        officer = token(settings, "officer")
        await subscribe_email(client, settings)
        runtime = app.state.runtime
        added = await client.post("/v1/suppressions", json={"address": f" {ADDRESS} "}, headers=officer)
        assert added.status_code == 201, added.text
        suppressed = application_submitted()
        await publish(amqp_url, suppressed)
        await eventually(
            lambda: scalar(
                runtime, "SELECT status = 'suppressed' FROM deliveries WHERE event_id = :id", id=suppressed.id
            )
        )

        assert (await client.delete(f"/v1/suppressions/{added.json()['id']}", headers=officer)).status_code == 204
        await publish(amqp_url, application_submitted())
        await eventually(lambda: mail.arrived(ADDRESS))
        assert suppressed.id not in mail.to(ADDRESS)[0].get_content()

        # The list is the council's, kept by its officers.
        partner = token(settings, "partner", organisation="syp")
        assert (await client.get("/v1/suppressions", headers=partner)).status_code == 403
        bad = await client.post("/v1/suppressions", json={"address": "not-an-address"}, headers=officer)
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


# --- Digests -------------------------------------------------------------------------


async def test_a_daily_digest_gathers_the_days_events_into_one_email_at_the_chosen_local_time(
    settings_for_test, amqp_url
):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        sub = await subscribe_email(client, settings, mode="daily", digest_time="08:00")
        runtime = app.state.runtime
        events = [application_submitted() for _ in range(3)]
        await publish(amqp_url, *events)
        await eventually(lambda: scalar(runtime, "SELECT count(*) = 3 FROM deliveries WHERE status = 'queued'"))
        assert not mail.messages  # nothing goes before the digest time

        # The next 08:00 in London (GMT or BST), half a minute after.
        tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
        send_at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, 0, 30, tzinfo=LONDON)
        links = links_for(runtime.settings, email_config(port))
        assert await send_due_digests(runtime, links, now=send_at) == 1
        assert await send_due_digests(runtime, links, now=send_at + timedelta(minutes=5)) == 0  # once per period

        await eventually(lambda: mail.arrived(ADDRESS))
        digest = mail.to(ADDRESS)[0]
        key = f"daily-{tomorrow.isoformat()}"
        assert digest["Message-ID"] == f"<digest.{key}.{sub['id']}@cohesion.notifications>"
        assert "(3)" in digest["Subject"]
        body = digest.get_content()
        assert all(e.id in body for e in events)
        assert await scalar(runtime, "SELECT count(*) FROM deliveries WHERE status = 'digested'") == 3
        assert (await outbox_types(runtime)).count("notifications.email.queued.v1") == 1


async def test_email_subscriptions_are_checked_and_refused_naming_what_is_wrong(settings_for_test):
    async with mail_server() as (_, port), notifications(settings_for_test, port) as (_, client, settings):
        partner = await a_partner(client, settings)
        officer = token(settings, "officer")
        base = {"partner_id": partner["id"], "channel": "email", "event_types": ["grants.#"]}
        cases = [
            ({"email": "nobody", "mode": "immediate"}, "local part, '@' and a domain"),
            ({"email": ADDRESS, "mode": "weekly", "digest_time": "08:00"}, "digest_weekday"),
            ({"email": ADDRESS, "mode": "daily", "digest_time": "8am"}, "is not a time like 08:00"),
            ({"email": ADDRESS, "mode": "hourly"}, "mode"),
            ({"email": ADDRESS, "mode": "immediate", "url": "https://x.example/"}, "has no url"),
        ]
        for fields, reason in cases:
            refused = await client.post("/v1/subscriptions", json={**base, **fields}, headers=officer)
            assert refused.status_code == 422, (fields, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert reason in refused.text, (fields, refused.text)


# --- The service's own emails ----------------------------------------------------------


async def test_a_disabled_webhook_endpoint_is_reported_to_its_partner_by_email(settings_for_test, amqp_url):
    async def gone(_: Received) -> tuple[int, dict[str, str]]:
        return 410, {}

    async with (
        mail_server() as (mail, port),
        Endpoint(gone) as endpoint,
        notifications(settings_for_test, port) as (app, client, settings),
    ):
        partner = await a_partner(client, settings, contact="webmaster@syp.example")
        created = await client.post(
            "/v1/subscriptions",
            json={"partner_id": partner["id"], "url": endpoint.url(), "event_types": ["grants.#"]},
            headers=token(settings, "officer"),
        )
        assert created.status_code == 201, created.text
        await publish(amqp_url, application_submitted())

        await eventually(lambda: mail.arrived("webmaster@syp.example"))
        notice = mail.to("webmaster@syp.example")[0]
        assert "Webhook endpoint disabled" in notice["Subject"]
        assert endpoint.url() in notice.get_content() and "410 Gone" in notice.get_content()
        runtime = app.state.runtime
        await eventually(
            lambda: scalar(runtime, "SELECT status = 'succeeded' FROM deliveries WHERE kind = 'endpoint_disabled'")
        )


@pytest.mark.parametrize("mode", ["daily", "weekly"])
async def test_a_digest_with_nothing_in_it_sends_nothing(settings_for_test, mode):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        extra = {"digest_weekday": "monday"} if mode == "weekly" else {}
        await subscribe_email(client, settings, mode=mode, digest_time="07:30", **extra)
        runtime = app.state.runtime
        later = datetime.now(LONDON) + timedelta(days=8)
        assert await send_due_digests(runtime, links_for(runtime.settings, email_config(port)), now=later) == 0
        await asyncio.sleep(0.3)
        assert not mail.messages
