"""Internal alerts end to end: an event someone must know about becomes an email to the right person.

Notifications runs in-process with a real SMTP server; the grantee's contact is asked of the
real grants service over RPC on the same broker.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from services.notifications.domain import ADDRESSING_DELAYS
from shared.events import Envelope, new_envelope
from shared.events.catalogue.actions import MilestoneOverdue
from shared.events.catalogue.grants import MonitoringReportDue
from tests.integration.test_grants_api import Grants, apply, open_fund
from tests.integration.test_grants_api import grants as grants  # a fixture, used by name
from tests.integration.test_notifications_email import a_partner, mail_server, notifications
from tests.integration.test_notifications_webhooks import outbox_types, publish, scalar
from tests.integration.test_wards_meetings import BOSTON_CASTLE, Wards, held_before, raise_cadence
from tests.integration.test_wards_meetings import wards as wards  # a fixture, used by name
from tests.support import COUNCIL, eventually, token


def milestone_overdue(lead: str | None) -> Envelope:
    milestone = str(uuid.uuid4())
    return new_envelope(
        "actions",
        MilestoneOverdue(
            milestone_id=milestone,
            action_id="action-1",
            plan_id="plan-1",
            due_on=date(2026, 9, 30),
            lead_organisation=lead,
        ),
        subject=milestone,
        council=COUNCIL,
    )


def report_due(application_id: str) -> Envelope:
    return new_envelope(
        "grants",
        MonitoringReportDue(
            application_id=application_id, fund_id="fund-1", financial_year="2026-27", due_on=date(2027, 3, 31)
        ),
        subject=application_id,
        council=COUNCIL,
    )


async def alert_of(runtime, event_id: str) -> dict[str, Any] | None:
    async with runtime.engine.connect() as conn:
        from sqlalchemy import text

        row = (
            (await conn.execute(text("SELECT * FROM alerts WHERE event_id = :id"), {"id": event_id})).mappings().first()
        )
        return dict(row) if row else None


async def settled(runtime, event_id: str) -> dict[str, Any] | None:
    alert = await alert_of(runtime, event_id)
    return alert if alert and alert["status"] != "addressing" else None


async def test_the_lead_partner_of_an_overdue_milestone_is_emailed_once(settings_for_test, amqp_url):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, client, settings):
        partner = await a_partner(client, settings, contact="projects@var.example")
        renamed = await client.get(f"/v1/partners/{partner['id']}", headers=token(settings, "officer"))
        assert renamed.json()["name"] == "South Yorkshire Police"
        overdue = milestone_overdue(lead="south yorkshire police")  # names are matched case-blind
        await publish(amqp_url, overdue, overdue)  # delivered twice: still one alert, one email

        await eventually(lambda: mail.arrived("projects@var.example"))
        runtime = app.state.runtime
        alert = await eventually(lambda: settled(runtime, overdue.id))
        assert (alert["status"], alert["recipients"]) == ("addressed", 1)
        [email] = mail.to("projects@var.example")
        assert "Milestone overdue" in email["Subject"]
        assert "30 September 2026" in email.get_content()
        assert await scalar(runtime, "SELECT count(*) FROM deliveries WHERE kind = 'milestone_overdue'") == 1
        # The partner sees the alert among its deliveries.
        delivery_id = await scalar(runtime, "SELECT id FROM deliveries WHERE kind = 'milestone_overdue'")
        seen = await client.get(
            f"/v1/deliveries/{delivery_id}", headers=token(settings, "partner", organisation=partner["organisation"])
        )
        assert seen.status_code == 200 and seen.json()["kind"] == "milestone_overdue"


async def test_an_overdue_milestone_whose_lead_is_no_partner_says_so_and_sends_nothing(settings_for_test, amqp_url):
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, _, _settings):
        overdue = milestone_overdue(lead="Nobody Registered")
        await publish(amqp_url, overdue)
        alert = await eventually(lambda: settled(app.state.runtime, overdue.id))
        assert alert["status"] == "no_recipient" and "'Nobody Registered'" in alert["last_error"]
        assert not mail.messages


async def test_the_grantee_whose_report_is_due_is_emailed_at_the_contact_grants_holds(
    settings_for_test, amqp_url, grants: Grants
):
    fund = await open_fund(grants)
    application = await apply(grants, fund["id"])
    erased_one = await apply(grants, fund["id"])
    erased = await grants.client.post(f"/v1/applications/{erased_one['id']}/erasure", headers=grants.officer)
    assert erased.status_code == 200, erased.text

    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, _, _settings):
        due, due_after_erasure = report_due(application["id"]), report_due(erased_one["id"])
        await publish(amqp_url, due, due_after_erasure)

        await eventually(lambda: mail.arrived("contact@example.org"))
        [email] = mail.to("contact@example.org")
        assert "Monitoring report due" in email["Subject"] and application["id"] in email["Subject"]
        assert "31 March 2027" in email.get_content()
        runtime = app.state.runtime
        gone = await eventually(lambda: settled(runtime, due_after_erasure.id))
        assert gone["status"] == "no_recipient" and "erased" in gone["last_error"]
        assert len(mail.messages) == 1
        assert "notifications.email.queued.v1" in await outbox_types(runtime)


async def test_an_alert_waits_for_a_service_that_cannot_answer_yet(settings_for_test, amqp_url):
    """Nobody serves grants.grantee_contact on this broker: the alert is asked again later, not dropped."""
    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, _, _settings):
        due = report_due(str(uuid.uuid4()))
        await publish(amqp_url, due)

        async def asked_once():
            alert = await alert_of(app.state.runtime, due.id)
            return alert if alert and alert["attempts"] >= 1 else None

        alert = await eventually(asked_once)
        assert alert["status"] == "addressing"  # still waiting: not given up, not sent
        assert "NoResponder" in alert["last_error"] or "RpcTimeout" in alert["last_error"]
        assert (alert["next_attempt_at"] - alert["created_at"]).total_seconds() >= ADDRESSING_DELAYS[0] - 1
        assert not mail.messages


async def test_the_members_of_a_ward_behind_on_its_meetings_are_each_emailed(settings_for_test, wards: Wards):
    """From the wards scheduler's event, across the bus, to an email for each current member (asked of wards)."""
    await wards.elect(BOSTON_CASTLE, name="Cllr A. Member", email="a.member@example.org")
    await wards.elect(BOSTON_CASTLE, name="Cllr B. Member", email="b.member@example.org")
    gone = await wards.elect(BOSTON_CASTLE, name="Cllr C. Former", email="c.former@example.org")
    stood_down = await wards.client.post(
        f"/v1/wards/{BOSTON_CASTLE}/members/{gone['id']}/stand-down",
        json={"stood_down_on": "2026-01-01"},
        headers=wards.officer,
    )
    assert stood_down.status_code == 200, stood_down.text

    async with mail_server() as (mail, port), notifications(settings_for_test, port) as (app, _, _settings):
        await held_before(wards.app, BOSTON_CASTLE, date(2030, 5, 20), datetime(2030, 4, 2, 9, tzinfo=UTC))
        raised = await raise_cadence(wards.app, date(2031, 1, 1))
        assert raised[BOSTON_CASTLE] == (1, 3)

        for member in ("a.member@example.org", "b.member@example.org"):
            await eventually(partial(mail.arrived, member), timeout=30)
            [email] = mail.to(member)
            assert f"Ward meetings behind schedule — {BOSTON_CASTLE}" in email["Subject"]
            assert "meetings_held: 1" in email.get_content()
        assert not mail.to("c.former@example.org")  # stood down: no longer told

        runtime = app.state.runtime
        boston = await scalar(
            runtime, "SELECT recipients FROM alerts WHERE kind = 'cadence_behind' AND status = 'addressed'"
        )
        assert boston == 2
        # Wards with no members on record: nobody to tell, and said so.
        await eventually(
            lambda: scalar(runtime, "SELECT count(*) = 24 FROM alerts WHERE status = 'no_recipient'"), timeout=30
        )
        reason = await scalar(runtime, "SELECT last_error FROM alerts WHERE status = 'no_recipient' LIMIT 1")
        assert "has no members with an email address" in reason
