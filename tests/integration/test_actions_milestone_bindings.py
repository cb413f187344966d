"""Milestones bound to events: a real ``grants.fund.opened.v1`` on the broker completes them, once, in their council only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
from sqlalchemy import text

from services.actions.app import definition
from shared.events import CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE, Envelope, new_envelope
from shared.events.catalogue.grants import FundOpened
from shared.service import Runtime
from shared.settings import Settings
from tests.support import COUNCIL, OTHER_COUNCIL, eventually, running_service, token

CONSUMER = "actions.milestone-bindings"
THEMES = ["Coordination and overarching activity", "Bringing people together"]


def fund_opened(fund_id: str, council: str = COUNCIL) -> Envelope:
    opened_at = datetime(2017, 6, 12, 9, tzinfo=UTC)
    data = FundOpened(fund_id=fund_id, name="BSC small grants", opened_at=opened_at)
    # The CloudEvent's time is when the fund opened: the milestone was met then.
    return new_envelope("grants", data, subject=fund_id, council=council, time=opened_at)


async def publish(settings: Settings, *envelopes: Envelope) -> None:
    """Publish as the grants relay does: structured CloudEvents on the events exchange."""
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        for envelope in envelopes:
            await exchange.publish(
                aio_pika.Message(
                    body=envelope.to_json_bytes(),
                    content_type=CLOUDEVENTS_CONTENT_TYPE,
                    message_id=envelope.id,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=envelope.type,
            )


async def bound_milestone(client: httpx.AsyncClient, settings: Settings, fund_id: str) -> dict[str, Any]:
    officer = token(settings, "officer")
    plan = await client.post(
        "/v1/plans",
        json={"title": "BSC 2017", "period_start": "2017-04-01", "period_end": "2018-03-31", "themes": THEMES},
        headers=officer,
    )
    assert plan.status_code == 201, plan.text
    action = await client.post(
        f"/v1/plans/{plan.json()['id']}/actions",
        json={
            "theme": THEMES[0],
            "title": "Run a BSC small grants programme",
            "lead_organisation": "Rotherham MBC",
            "owner": "Assistant Chief Executive",
            "starts_on": "2017-05-15",
            "due_on": "2017-06-30",
        },
        headers=officer,
    )
    assert action.status_code == 201, action.text
    milestone = await client.post(
        f"/v1/actions/{action.json()['id']}/milestones",
        json={
            "title": "BSC grants programme open to applications",
            "due_on": "2017-06-30",
            "binding": {"event_type": "grants.fund.opened.v1", "subject": fund_id},
        },
        headers=officer,
    )
    assert milestone.status_code == 201, milestone.text
    body: dict[str, Any] = milestone.json()
    return body


async def completed_events(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = 'actions.milestone.completed.v1' ORDER BY seq")
        )
        return [r[0] for r in rows]


async def processed(runtime: Runtime, *event_ids: str) -> bool:
    async with runtime.engine.connect() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM inbox WHERE consumer = :c AND event_id = ANY(:ids)"),
                {"c": CONSUMER, "ids": list(event_ids)},
            )
        ).scalar()
    return count == len(event_ids)


async def test_a_fund_opening_completes_the_milestone_bound_to_it_and_publishes_the_completion(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        milestone = await bound_milestone(client, settings, "fund-1")
        assert milestone["status"] == "pending"
        opened = fund_opened("fund-1")

        await publish(settings, opened)

        async def completed() -> dict[str, Any] | None:
            got = (await client.get(f"/v1/milestones/{milestone['id']}", headers=token(settings, "partner"))).json()
            return got if got["status"] == "complete" else None

        done = await eventually(completed)
        assert done["completed_by_event"] == opened.id
        assert opened.id in done["evidence"]
        assert datetime.fromisoformat(done["completed_at"]) == datetime(2017, 6, 12, 9, tzinfo=UTC)
        [event] = await completed_events(runtime)
        assert event["subject"] == milestone["id"]
        assert event["council"] == COUNCIL
        assert event["data"]["milestone_id"] == milestone["id"]
        assert event["data"]["completed_by_event"] == opened.id

        # The relay publishes it: the completion reaches the broker.
        async def published() -> bool:
            async with runtime.engine.connect() as conn:
                return bool(
                    (
                        await conn.execute(
                            text("SELECT published_at IS NOT NULL FROM outbox WHERE event_id = :id"),
                            {"id": event["id"]},
                        )
                    ).scalar()
                )

        await eventually(published)


async def test_an_event_for_another_fund_or_another_council_completes_nothing(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        milestone = await bound_milestone(client, settings, "fund-1")
        other_fund = fund_opened("fund-2")
        other_council = fund_opened("fund-1", council=OTHER_COUNCIL)

        await publish(settings, other_fund, other_council)

        await eventually(lambda: processed(runtime, other_fund.id, other_council.id))
        got = (await client.get(f"/v1/milestones/{milestone['id']}", headers=token(settings, "officer"))).json()
        assert got["status"] == "pending"
        assert got["completed_at"] is None
        assert await completed_events(runtime) == []


async def test_the_same_event_delivered_twice_completes_the_milestone_once(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        milestone = await bound_milestone(client, settings, "fund-1")
        opened = fund_opened("fund-1")
        # An unrelated event after the duplicate: once it is processed, the duplicate has been too.
        sentinel = fund_opened("fund-sentinel")

        await publish(settings, opened, opened)
        await publish(settings, sentinel)

        await eventually(lambda: processed(runtime, opened.id, sentinel.id))
        completions = await completed_events(runtime)
        assert [e["data"]["milestone_id"] for e in completions] == [milestone["id"]]
        async with runtime.engine.connect() as conn:
            audits = (
                await conn.execute(
                    text("SELECT count(*) FROM audit_log WHERE action = 'actions.milestone.complete' AND subject = :m"),
                    {"m": milestone["id"]},
                )
            ).scalar()
        assert audits == 1


async def test_a_milestone_completed_by_hand_is_not_completed_again_by_its_event(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        milestone = await bound_milestone(client, settings, "fund-1")
        by_hand = await client.post(
            f"/v1/milestones/{milestone['id']}/complete",
            json={"evidence": "Fund launched at the SCF meeting"},
            headers=token(settings, "officer"),
        )
        assert by_hand.status_code == 200, by_hand.text
        opened = fund_opened("fund-1")

        await publish(settings, opened)

        await eventually(lambda: processed(runtime, opened.id))
        got = (await client.get(f"/v1/milestones/{milestone['id']}", headers=token(settings, "officer"))).json()
        assert got["evidence"] == "Fund launched at the SCF meeting"
        assert got["completed_by_event"] is None
        assert len(await completed_events(runtime)) == 1


async def test_two_milestones_bound_to_one_fund_both_complete(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        first = await bound_milestone(client, settings, "fund-1")
        second = await bound_milestone(client, settings, "fund-1")

        await publish(settings, fund_opened("fund-1"))

        async def both_complete() -> bool:
            statuses = [
                (await client.get(f"/v1/milestones/{m['id']}", headers=token(settings, "officer"))).json()["status"]
                for m in (first, second)
            ]
            return statuses == ["complete", "complete"]

        await eventually(both_complete)
        assert len(await completed_events(app.state.runtime)) == 2
