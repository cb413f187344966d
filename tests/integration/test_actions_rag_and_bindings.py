"""RAG that moves with time, and milestones bound to any event of the catalogue, for real.

``actions.action.rag_changed.v1`` follows a progress update and, from a clock,
time passing alone: once per change, across restarts and with two instances at
once. A milestone binds to any catalogue event by its subject or one data field,
checked against the catalogue when it is made.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from services.actions.app import definition
from services.actions.clocks import SCHEDULER, rag_with_time
from services.actions.handlers import settle_rags
from shared.calendar import today_in_london
from shared.events import new_envelope
from shared.events.catalogue.wards import MeetingHeld
from shared.service import Runtime
from tests.integration.test_actions_governance import PLAN, THEMES, outbox, posted
from tests.integration.test_actions_milestone_bindings import processed, publish
from tests.support import COUNCIL, eventually, running_service, token


async def settle(runtime: Runtime, today: date) -> list[str]:
    async with runtime.uow(SCHEDULER) as uow:
        return [a.id for a in await settle_rags(uow, today)]


async def test_rag_changes_are_published_after_progress_and_when_time_alone_moves_them_once(settings_for_test):
    settings = settings_for_test("actions")
    today = today_in_london()
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        officer = token(settings, "officer")
        plan = await posted(client, "/v1/plans", PLAN, officer)
        action = await posted(
            client,
            f"/v1/plans/{plan['id']}/actions",
            {
                "theme": THEMES[0],
                "title": "Recruit a BSC Coordinator",
                "lead_organisation": "Rotherham MBC",
                "owner": "Assistant Chief Executive",
                "starts_on": (today - timedelta(days=50)).isoformat(),
                "due_on": (today + timedelta(days=50)).isoformat(),  # half its time gone: red at 0%
            },
            officer,
        )
        assert action["rag"] == "red"
        assert await outbox(runtime, "actions.action.rag_changed.v1") == []  # where it starts is no change

        progress = {"percent_complete": 50, "note": "Interviews held"}
        await posted(client, f"/v1/actions/{action['id']}/progress", progress, officer)
        [after_progress] = await outbox(runtime, "actions.action.rag_changed.v1")
        assert after_progress["subject"] == action["id"]
        assert after_progress["data"] == {
            "action_id": action["id"],
            "plan_id": plan["id"],
            "previous_rag": "red",
            "rag": "green",
            "as_of": today.isoformat(),
            "cause": "progress",
        }
        await posted(client, f"/v1/actions/{action['id']}/progress", {**progress, "note": "Still 50%"}, officer)
        assert len(await outbox(runtime, "actions.action.rag_changed.v1")) == 1  # green held: no news

        await rag_with_time(runtime)  # today: still green, nothing to say
        assert len(await outbox(runtime, "actions.action.rag_changed.v1")) == 1

        # Nine days on, 59% of the time is gone at 50% complete: amber. Two instances look at once.
        later = today + timedelta(days=9)
        other = Runtime(definition, settings)
        try:
            moved = await asyncio.gather(settle(runtime, later), settle(other, later))
            assert sorted(moved, key=len) == [[], [action["id"]]]
            assert await settle(other, later) == []  # and again, after a restart
        finally:
            await other.stop()
        changes = await outbox(runtime, "actions.action.rag_changed.v1")
        assert [(e["data"]["previous_rag"], e["data"]["rag"], e["data"]["cause"]) for e in changes] == [
            ("red", "green", "progress"),
            ("green", "amber", "time"),
        ]
        assert changes[1]["data"]["as_of"] == later.isoformat()


async def test_a_milestone_bound_to_a_data_field_completes_on_that_value_only(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        officer = token(settings, "officer")
        plan = await posted(client, "/v1/plans", PLAN, officer)
        action = await posted(
            client,
            f"/v1/plans/{plan['id']}/actions",
            {
                "theme": THEMES[0],
                "title": "Ward meetings in Boston Castle",
                "lead_organisation": "Rotherham MBC",
                "owner": "Neighbourhoods",
                "starts_on": "2017-04-01",
                "due_on": "2017-06-30",
            },
            officer,
        )
        binding = {"event_type": "wards.meeting.held.v1", "field": "gss_code", "value": "E05012996"}
        milestone = await posted(
            client,
            f"/v1/actions/{action['id']}/milestones",
            {"title": "First ward meeting held", "due_on": "2017-06-30", "binding": binding},
            officer,
        )
        assert milestone["binding"] == {**binding, "subject": None}

        def held(ward: str) -> Any:
            data = MeetingHeld(meeting_id=f"m-{ward}", gss_code=ward, held_on=date(2017, 6, 1), decision_count=2)
            return new_envelope("wards", data, subject=f"m-{ward}", council=COUNCIL)

        elsewhere = held("E05012997")
        await publish(settings, elsewhere)
        await eventually(lambda: processed(runtime, elsewhere.id))
        url = f"/v1/milestones/{milestone['id']}"
        assert (await client.get(url, headers=officer)).json()["status"] == "pending"

        here = held("E05012996")
        await publish(settings, here)

        async def completed() -> dict[str, Any] | None:
            got: dict[str, Any] = (await client.get(url, headers=officer)).json()
            return got if got["status"] == "complete" else None

        done = await eventually(completed)
        assert done["completed_by_event"] == here.id
        assert "gss_code E05012996" in done["evidence"]


async def test_a_binding_to_an_unknown_field_is_refused_naming_it_and_nothing_is_written(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        officer = token(settings, "officer")
        plan = await posted(client, "/v1/plans", PLAN, officer)
        action = await posted(
            client,
            f"/v1/plans/{plan['id']}/actions",
            {
                "theme": THEMES[0],
                "title": "x",
                "lead_organisation": "Rotherham MBC",
                "owner": "x",
                "starts_on": "2017-04-01",
                "due_on": "2017-06-30",
            },
            officer,
        )
        response = await client.post(
            f"/v1/actions/{action['id']}/milestones",
            json={
                "title": "x",
                "due_on": "2017-06-30",
                "binding": {"event_type": "wards.meeting.held.v1", "field": "ward", "value": "E05012996"},
            },
            headers=officer,
        )
        assert response.status_code == 422
        problem = response.json()
        assert problem["field"] == "binding.field"
        assert "'ward'" in problem["detail"]
        assert "gss_code" in problem["event_fields"]
        both = await client.post(
            f"/v1/actions/{action['id']}/milestones",
            json={
                "title": "x",
                "due_on": "2017-06-30",
                "binding": {"event_type": "grants.fund.opened.v1", "subject": "f", "field": "fund_id", "value": "f"},
            },
            headers=officer,
        )
        assert both.status_code == 422
        assert both.json()["field"] == "binding"
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM milestones"))).scalar() == 0
