"""The actions API for real: roles, council scope, refusals, RAG, overdue milestones, forum reviews, indicators, the 2017 seed."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from services.actions.app import definition
from services.actions.bsc_2017 import GRANTS_OPEN, THEMES, seed_2017_plan
from services.actions.clocks import overdue_milestones
from shared.service import Runtime
from shared.settings import Settings
from shared.unit_of_work import Actor
from tests.integration.test_actions_milestone_bindings import fund_opened, publish
from tests.support import COUNCIL, OTHER_COUNCIL, eventually, running_service, token

ACTION = {
    "theme": THEMES[0],
    "title": "Recruit a BSC Coordinator",
    "lead_organisation": "Rotherham MBC",
    "owner": "Assistant Chief Executive",
    "starts_on": "2017-01-01",
    "due_on": "2017-04-11",  # 100 days: on day n, n% of the time has elapsed
    "task_and_finish_group": "Stronger Communities Forum",
}


async def a_plan(client: httpx.AsyncClient, settings: Settings) -> dict[str, Any]:
    response = await client.post(
        "/v1/plans",
        json={"title": "BSC 2017", "period_start": "2017-04-01", "period_end": "2018-03-31", "themes": list(THEMES)},
        headers=token(settings, "officer"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def an_action(client: httpx.AsyncClient, settings: Settings, plan_id: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/plans/{plan_id}/actions", json={**ACTION, **overrides}, headers=token(settings, "officer")
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def a_milestone(client: httpx.AsyncClient, settings: Settings, action_id: str, due_on: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/actions/{action_id}/milestones",
        json={"title": f"Milestone due {due_on}", "due_on": due_on},
        headers=token(settings, "officer"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def outbox_types(runtime: Runtime) -> list[str]:
    async with runtime.engine.connect() as conn:
        return [r[0] for r in await conn.execute(text("SELECT event_type FROM outbox ORDER BY seq"))]


async def test_an_officer_builds_a_plan_and_each_change_is_an_event_and_an_audit_entry(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        plan = await a_plan(client, settings)
        action = await an_action(client, settings, plan["id"])
        milestone = await a_milestone(client, settings, action["id"], "2017-07-31")
        done = await client.post(
            f"/v1/milestones/{milestone['id']}/complete",
            json={"evidence": "Coordinator started 17 July 2017"},
            headers=token(settings, "officer"),
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "complete"
        assert await outbox_types(app.state.runtime) == [
            "actions.plan.created.v1",
            "actions.action.created.v1",
            "actions.milestone.created.v1",
            "actions.milestone.completed.v1",
        ]
        async with app.state.runtime.engine.connect() as conn:
            audit = (await conn.execute(text("SELECT action, actor FROM audit_log ORDER BY id"))).all()
        assert [a for a, _ in audit] == [
            "actions.plan.create",
            "actions.action.create",
            "actions.milestone.create",
            "actions.milestone.complete",
        ]
        assert {actor for _, actor in audit} == {"user-1"}
        listed = await client.get(f"/v1/actions/{action['id']}/milestones", headers=token(settings, "forum_member"))
        assert [m["id"] for m in listed.json()["items"]] == [milestone["id"]]


async def test_completing_a_milestone_twice_is_refused_naming_its_current_state(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (_, client):
        plan = await a_plan(client, settings)
        action = await an_action(client, settings, plan["id"])
        milestone = await a_milestone(client, settings, action["id"], "2017-07-31")
        url = f"/v1/milestones/{milestone['id']}/complete"
        first = await client.post(url, json={"evidence": "In post"}, headers=token(settings, "officer"))
        assert first.status_code == 200
        again = await client.post(url, json={"evidence": "Again"}, headers=token(settings, "officer"))
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"
        assert again.json()["current_status"] == "complete"
        assert "already complete" in again.json()["detail"]


async def test_an_action_under_a_theme_the_plan_lacks_is_refused_listing_the_themes(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (_, client):
        plan = await a_plan(client, settings)
        response = await client.post(
            f"/v1/plans/{plan['id']}/actions",
            json={**ACTION, "theme": "Cleaner, greener"},
            headers=token(settings, "officer"),
        )
        assert response.status_code == 422
        assert response.json()["themes"] == list(THEMES)


async def test_a_milestone_cannot_be_bound_to_an_event_type_the_service_does_not_listen_to(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (_, client):
        plan = await a_plan(client, settings)
        action = await an_action(client, settings, plan["id"])
        response = await client.post(
            f"/v1/actions/{action['id']}/milestones",
            json={
                "title": "x",
                "due_on": "2017-06-30",
                "binding": {"event_type": "wards.ward.registered.v1", "subject": "E05012996"},
            },
            headers=token(settings, "officer"),
        )
        assert response.status_code == 422
        assert "grants.fund.opened.v1" in response.json()["bindable_event_types"]


async def test_partners_and_forum_members_read_but_cannot_change_the_plan(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (_, client):
        plan = await a_plan(client, settings)
        action = await an_action(client, settings, plan["id"])
        milestone = await a_milestone(client, settings, action["id"], "2017-07-31")
        for role in ("partner", "forum_member"):
            headers = token(settings, role)
            assert (await client.get(f"/v1/plans/{plan['id']}", headers=headers)).status_code == 200
            assert (await client.get(f"/v1/actions/{action['id']}", headers=headers)).status_code == 200
            assert (await client.get(f"/v1/milestones/{milestone['id']}", headers=headers)).status_code == 200
            complete = await client.post(
                f"/v1/milestones/{milestone['id']}/complete", json={"evidence": "x"}, headers=headers
            )
            assert complete.status_code == 403
            assert (
                await client.post(f"/v1/plans/{plan['id']}/actions", json=ACTION, headers=headers)
            ).status_code == 403
        assert (await client.get("/v1/plans", headers=token(settings, "applicant"))).status_code == 403
        assert (await client.get(f"/v1/milestones/{milestone['id']}", headers=token(settings, "officer"))).json()[
            "status"
        ] == "pending"


async def test_another_councils_officer_finds_none_of_the_plan(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (_, client):
        plan = await a_plan(client, settings)
        action = await an_action(client, settings, plan["id"])
        milestone = await a_milestone(client, settings, action["id"], "2017-07-31")
        leeds = token(settings, "officer", council=OTHER_COUNCIL)
        assert (await client.get("/v1/plans", headers=leeds)).json()["items"] == []
        for url in (
            f"/v1/plans/{plan['id']}",
            f"/v1/plans/{plan['id']}/summary",
            f"/v1/plans/{plan['id']}/actions",
            f"/v1/actions/{action['id']}",
            f"/v1/milestones/{milestone['id']}",
        ):
            response = await client.get(url, headers=leeds)
            assert response.status_code == 404, url
            assert response.headers["content-type"] == "application/problem+json"
        complete = await client.post(
            f"/v1/milestones/{milestone['id']}/complete", json={"evidence": "x"}, headers=leeds
        )
        assert complete.status_code == 404
        add = await client.post(f"/v1/plans/{plan['id']}/actions", json=ACTION, headers=leeds)
        assert add.status_code == 404


async def test_rag_is_computed_from_progress_and_time_and_summarised_per_theme(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        officer = token(settings, "officer")
        plan = await a_plan(client, settings)
        on_track = await an_action(client, settings, plan["id"])
        behind = await an_action(client, settings, plan["id"], theme=THEMES[2])
        for action, percent in ((on_track, 45), (behind, 30)):
            response = await client.post(
                f"/v1/actions/{action['id']}/progress",
                json={"percent_complete": percent, "note": "update"},
                headers=officer,
            )
            assert response.status_code == 201, response.text
        too_much = await client.post(
            f"/v1/actions/{on_track['id']}/progress", json={"percent_complete": 101, "note": "?"}, headers=officer
        )
        assert too_much.status_code == 422

        # 20 February 2017 is day 50 of 100: 45% done is 90% performance (green), 30% is 60% (red).
        as_of = "2017-02-20"
        got = (await client.get(f"/v1/actions/{on_track['id']}?as_of={as_of}", headers=officer)).json()
        assert (got["percent_complete"], got["rag"], got["performance"]) == (45, "green", 90.0)
        assert (await client.get(f"/v1/actions/{behind['id']}?as_of={as_of}", headers=officer)).json()["rag"] == "red"
        summary = (await client.get(f"/v1/plans/{plan['id']}/summary?as_of={as_of}", headers=officer)).json()
        by_theme = {t["theme"]: (t["green"], t["amber"], t["red"]) for t in summary["themes"]}
        assert by_theme == {
            THEMES[0]: (1, 0, 0),
            THEMES[1]: (0, 0, 0),
            THEMES[2]: (0, 0, 1),
            THEMES[3]: (0, 0, 0),
            THEMES[4]: (0, 0, 0),
        }
        history = (await client.get(f"/v1/actions/{on_track['id']}/progress", headers=officer)).json()["items"]
        assert [(p["percent_complete"], p["note"]) for p in history] == [(45, "update")]
        assert (await outbox_types(app.state.runtime)).count("actions.action.progress_recorded.v1") == 2


async def test_an_overdue_milestone_is_raised_exactly_once_across_runs_and_restarts_naming_the_lead_partner(
    settings_for_test,
):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        plan = await a_plan(client, settings)
        action = await an_action(client, settings, plan["id"], lead_organisation="Voluntary Action Rotherham")
        late = await a_milestone(client, settings, action["id"], "2017-05-31")
        met = await a_milestone(client, settings, action["id"], "2017-05-31")
        await client.post(
            f"/v1/milestones/{met['id']}/complete", json={"evidence": "Done"}, headers=token(settings, "officer")
        )
        future = await a_milestone(client, settings, action["id"], "2999-12-31")

        await overdue_milestones(app.state.runtime)
        await overdue_milestones(app.state.runtime)
        # A second process (a restart, or another replica) runs the same job.
        other = Runtime(definition, settings)
        try:
            await overdue_milestones(other)
        finally:
            await other.stop()

        async with app.state.runtime.engine.connect() as conn:
            raised = (
                await conn.execute(
                    text("SELECT subject, envelope FROM outbox WHERE event_type = 'actions.milestone.overdue.v1'")
                )
            ).all()
        assert [subject for subject, _ in raised] == [late["id"]]
        assert raised[0][1]["data"]["due_on"] == "2017-05-31"
        assert raised[0][1]["data"]["lead_organisation"] == "Voluntary Action Rotherham"
        assert raised[0][1]["council"] == COUNCIL
        shown = (await client.get(f"/v1/milestones/{late['id']}", headers=token(settings, "officer"))).json()
        assert shown["overdue"] is True
        assert (await client.get(f"/v1/milestones/{future['id']}", headers=token(settings, "officer"))).json()[
            "overdue"
        ] is False


async def test_the_forum_records_a_review_of_the_plan_with_its_decisions(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        plan = await a_plan(client, settings)
        review = {
            "held_on": "2017-07-20",
            "attendees": "SCF members; Leader of the Council (chair); South Yorkshire Police",
            "decisions": ["Adopt the action plan", "Hold borough-wide roadshows"],
        }
        partner = await client.post(f"/v1/plans/{plan['id']}/reviews", json=review, headers=token(settings, "partner"))
        assert partner.status_code == 403
        recorded = await client.post(
            f"/v1/plans/{plan['id']}/reviews", json=review, headers=token(settings, "forum_member", subject="scf-1")
        )
        assert recorded.status_code == 201, recorded.text
        listed = (await client.get(f"/v1/plans/{plan['id']}/reviews", headers=token(settings, "partner"))).json()
        [only] = listed["items"]
        assert (only["decisions"], only["recorded_by"], only["held_on"]) == (review["decisions"], "scf-1", "2017-07-20")
        async with app.state.runtime.engine.connect() as conn:
            event = (
                await conn.execute(text("SELECT envelope FROM outbox WHERE event_type = 'actions.plan.reviewed.v1'"))
            ).scalar_one()
        assert event["data"]["decision_count"] == 2
        assert "attendees" not in event["data"]  # details stay behind the API


async def test_an_indicator_shows_its_direction_of_travel_and_refuses_a_period_twice(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (_, client):
        officer = token(settings, "officer")
        plan = await a_plan(client, settings)
        created = await client.post(
            f"/v1/plans/{plan['id']}/indicators",
            json={
                "title": "Reported hate incidents",
                "unit": "count",
                "higher_is_better": False,
                "baseline": 120,
                "baseline_period": "2016/17",
                "target": 100,
                "target_period": "2019/20",
            },
            headers=officer,
        )
        assert created.status_code == 201, created.text
        indicator_id = created.json()["id"]
        url = f"/v1/indicators/{indicator_id}/values"
        q1 = await client.post(
            url, json={"period": "2017/18 Q1", "period_end": "2017-06-30", "value": 110}, headers=officer
        )
        assert q1.json()["direction"] == "improving"  # fewer incidents than the baseline
        q2 = await client.post(
            url, json={"period": "2017/18 Q2", "period_end": "2017-09-30", "value": 115}, headers=officer
        )
        assert (q2.json()["direction"], q2.json()["target_met"]) == ("worsening", False)
        again = await client.post(
            url, json={"period": "2017/18 Q2", "period_end": "2017-09-30", "value": 99}, headers=officer
        )
        assert again.status_code == 409
        shown = (await client.get(f"/v1/indicators/{indicator_id}", headers=token(settings, "partner"))).json()
        assert [v["value"] for v in shown["values"]] == [110, 115]
        leeds = token(settings, "officer", council=OTHER_COUNCIL)
        assert (await client.get(f"/v1/indicators/{indicator_id}", headers=leeds)).status_code == 404


async def test_the_2017_plan_is_seeded_once_with_its_timetable_and_a_milestone_bound_to_the_fund(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        async with runtime.uow(Actor("system:demo")) as uow:
            seeded = await seed_2017_plan(uow, COUNCIL, fund_id="fund-bsc")
        async with runtime.uow(Actor("system:demo")) as uow:
            again = await seed_2017_plan(uow, COUNCIL, fund_id="fund-bsc")
        assert seeded.created and not again.created
        assert again.plan.id == seeded.plan.id

        officer = token(settings, "officer")
        [plan] = (await client.get("/v1/plans", headers=officer)).json()["items"]
        assert plan["themes"] == list(THEMES)
        actions = (await client.get(f"/v1/plans/{plan['id']}/actions", headers=officer)).json()["items"]
        milestones = [
            m
            for a in actions
            for m in (await client.get(f"/v1/actions/{a['id']}/milestones", headers=officer)).json()["items"]
        ]
        assert sorted((m["due_on"], m["title"]) for m in milestones) == [
            ("2017-05-31", "Decision on funding for the BSC Coordinator"),
            ("2017-05-31", "First meeting of the Stronger Communities Forum (SCF)"),
            ("2017-06-30", GRANTS_OPEN),
            ("2017-07-31", "Action plan and priorities reviewed by SCF"),
            ("2017-07-31", "BSC Coordinator in post"),
        ]
        bound = [m for m in milestones if m["binding"]]
        assert [(m["title"], m["binding"]) for m in bound] == [
            (GRANTS_OPEN, {"event_type": "grants.fund.opened.v1", "subject": "fund-bsc"})
        ]
        types = await outbox_types(runtime)
        assert (types.count("actions.plan.created.v1"), types.count("actions.milestone.created.v1")) == (1, 5)

        # When grants opens that fund, the seeded milestone completes itself.
        await publish(settings, fund_opened("fund-bsc"))

        async def grants_open_complete() -> bool:
            got = (await client.get(f"/v1/milestones/{bound[0]['id']}", headers=officer)).json()
            return bool(got["status"] == "complete")

        await eventually(grants_open_complete)
