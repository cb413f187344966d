"""The plan as the papers run it, for real: priorities and objectives, several plans per council, boards that
own and sign off plans, reviews that change them, task and finish groups, and who may do what."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from services.actions.app import definition
from services.actions.clocks import overrun_groups
from shared.service import Runtime
from shared.settings import Settings
from tests.support import OTHER_COUNCIL, running_service, token

THEMES = ["Coordination and overarching activity", "Bringing people together"]
PLAN = {
    "title": "Community Strategy annual plan",
    "period_start": "2011-04-01",
    "period_end": "2012-03-31",
    "themes": THEMES,
}
ACTION = {
    "theme": THEMES[0],
    "title": "Evidence the impact of support to families with a child aged 0-3",
    "lead_organisation": "NHS Rotherham",
    "owner": "Director of Public Health",
    "starts_on": "2011-06-01",
    "due_on": "2012-03-31",
}


def officer(settings: Settings, **kw: Any) -> dict[str, str]:
    return token(settings, "officer", **kw)


async def posted(client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    got: dict[str, Any] = response.json()
    return got


async def a_board(client: httpx.AsyncClient, settings: Settings, *accounts: str) -> dict[str, Any]:
    return await posted(
        client,
        "/v1/bodies",
        {
            "kind": "board",
            "name": "Rotherham Partnership Board",
            "chair": "Chair of the Rotherham Partnership",
            "terms_of_reference": "Owns the Community Strategy and the annual plan; fifteen members.",
            "members": [
                {"person": f"Member {a}", "organisation": "Rotherham MBC", "role": "partner_body", "account": a}
                for a in accounts
            ],
        },
        officer(settings),
    )


async def outbox(runtime: Runtime, event_type: str) -> list[dict[str, Any]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": event_type}
        )
        return [r[0] for r in rows]


async def count(runtime: Runtime, table: str) -> int:
    async with runtime.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() or 0)


async def test_a_plan_has_a_vision_priorities_and_objectives_and_an_action_serves_an_objective(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        plan = await posted(
            client, "/v1/plans", {**PLAN, "vision": "A Rotherham where everyone has the best start"}, officer(settings)
        )
        one = await posted(
            client,
            f"/v1/plans/{plan['id']}/priorities",
            {"number": 1, "title": "Ensuring the best start in life for children and families"},
            officer(settings),
        )
        objective = await posted(
            client,
            f"/v1/priorities/{one['id']}/objectives",
            {"title": "Contribute to Rotherham's commitment to reduce child poverty"},
            officer(settings),
        )
        action = await posted(
            client, f"/v1/plans/{plan['id']}/actions", {**ACTION, "objective_id": objective["id"]}, officer(settings)
        )
        assert action["objective_id"] == objective["id"]

        listed = (await client.get(f"/v1/plans/{plan['id']}/priorities", headers=token(settings, "partner"))).json()
        assert [(p["label"], [o["title"] for o in p["objectives"]]) for p in listed] == [
            (
                "Priority 1: Ensuring the best start in life for children and families",
                ["Contribute to Rotherham's commitment to reduce child poverty"],
            )
        ]
        assert (
            (await client.get(f"/v1/plans/{plan['id']}", headers=officer(settings)))
            .json()["vision"]
            .startswith("A Rotherham")
        )
        again = await client.post(
            f"/v1/plans/{plan['id']}/priorities", json={"number": 1, "title": "Twice"}, headers=officer(settings)
        )
        assert again.status_code == 422
        assert again.headers["content-type"] == "application/problem+json"
        assert again.json()["field"] == "number"
        runtime = app.state.runtime
        [added] = await outbox(runtime, "actions.priority.added.v1")
        assert added["data"] == {"priority_id": one["id"], "plan_id": plan["id"], "number": 1, "review_id": None}
        assert len(await outbox(runtime, "actions.objective.added.v1")) == 1


async def test_a_council_runs_several_plans_at_once_for_the_borough_an_area_and_a_board(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (_, client):
        board = await a_board(client, settings, "carole")
        await posted(client, "/v1/plans", PLAN, officer(settings))
        await posted(
            client, "/v1/plans", {**PLAN, "title": "Eastwood action plan", "area": "Eastwood"}, officer(settings)
        )
        await posted(
            client, "/v1/plans", {**PLAN, "title": "Annual plan", "owner_body_id": board["id"]}, officer(settings)
        )
        everything = (await client.get("/v1/plans", headers=officer(settings))).json()["items"]
        assert len(everything) == 3
        eastwood = (await client.get("/v1/plans?area=Eastwood", headers=officer(settings))).json()["items"]
        assert [p["title"] for p in eastwood] == ["Eastwood action plan"]
        owned = (await client.get(f"/v1/plans?owner_body_id={board['id']}", headers=officer(settings))).json()
        assert [(p["title"], p["status"]) for p in owned["items"]] == [("Annual plan", "draft")]
        seen_by_partner = (await client.get(f"/v1/bodies/{board['id']}", headers=token(settings, "partner"))).json()
        assert [(m["person"], m["account"]) for m in seen_by_partner["members"]] == [("Member carole", None)]
        seen_by_officer = (await client.get("/v1/bodies", headers=officer(settings))).json()["items"][0]
        assert seen_by_officer["members"][0]["account"] == "carole"


async def test_a_plan_naming_an_owner_from_another_council_is_refused_and_nothing_is_written(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        board = await a_board(client, settings, "carole")
        leeds = officer(settings, council=OTHER_COUNCIL)
        response = await client.post("/v1/plans", json={**PLAN, "owner_body_id": board["id"]}, headers=leeds)
        assert response.status_code == 404
        assert await count(app.state.runtime, "plans") == 0


async def test_the_owning_board_signs_the_plan_off_and_then_it_changes_only_through_a_review(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        board = await a_board(client, settings, "carole")
        plan = await posted(client, "/v1/plans", {**PLAN, "owner_body_id": board["id"]}, officer(settings))
        action = await posted(client, f"/v1/plans/{plan['id']}/actions", ACTION, officer(settings))
        sign_off = {"signed_off_on": "2013-09-30"}

        # An officer who does not sit on the board cannot sign it off.
        refused = await client.post(f"/v1/plans/{plan['id']}/sign-off", json=sign_off, headers=officer(settings))
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        member = token(settings, "forum_member", subject="carole")
        signed = await posted(client, f"/v1/plans/{plan['id']}/sign-off", sign_off, member)
        assert (signed["status"], signed["signed_off_on"]) == ("signed_off", "2013-09-30")
        [event] = await outbox(runtime, "actions.plan.signed_off.v1")
        assert event["data"] == {"plan_id": plan["id"], "body_id": board["id"], "signed_off_on": "2013-09-30"}

        # Direct changes are refused, naming the state, and change nothing.
        actions_before = await count(runtime, "actions")
        direct = await client.post(f"/v1/plans/{plan['id']}/actions", json=ACTION, headers=officer(settings))
        assert direct.status_code == 409
        assert direct.json()["current"] == "signed_off"
        milestone = await client.post(
            f"/v1/actions/{action['id']}/milestones",
            json={"title": "x", "due_on": "2012-01-31"},
            headers=officer(settings),
        )
        assert milestone.status_code == 409
        indicator = {
            "title": "People who feel they belong",
            "unit": "%",
            "higher_is_better": True,
            "baseline": 60,
            "baseline_period": "2012/13",
            "target": 70,
            "target_period": "2014/15",
        }
        direct_indicator = await client.post(
            f"/v1/plans/{plan['id']}/indicators", json=indicator, headers=officer(settings)
        )
        assert direct_indicator.status_code == 409
        assert await count(runtime, "actions") == actions_before
        assert await count(runtime, "indicators") == 0

        # A review by a board member makes the change and names it.
        review = await posted(
            client,
            f"/v1/plans/{plan['id']}/reviews",
            {
                "held_on": "2014-01-15",
                "attendees": "Rotherham Partnership Board",
                "decisions": ["Add a priority on loneliness"],
                "changes": [
                    {"kind": "add_priority", "number": 2, "title": "Providing additional support to vulnerable people"},
                    {**ACTION, "kind": "add_action", "title": "Reduce loneliness and isolation in older people"},
                    {"kind": "move_due_date", "action_id": action["id"], "due_on": "2012-06-30"},
                    {**indicator, "kind": "add_indicator"},
                ],
            },
            member,
        )
        assert review["body_id"] == board["id"]
        assert review["changes"] == [
            "Added Priority 2: Providing additional support to vulnerable people",
            f"Added action 'Reduce loneliness and isolation in older people' under {THEMES[0]!r}",
            f"Moved the due date of {ACTION['title']!r} from 2012-03-31 to 2012-06-30",
            "Added indicator 'People who feel they belong'",
        ]
        [reviewed] = await outbox(runtime, "actions.plan.reviewed.v1")
        assert (reviewed["data"]["change_count"], reviewed["data"]["body_id"]) == (4, board["id"])
        created = await outbox(runtime, "actions.action.created.v1")
        assert created[-1]["data"]["review_id"] == review["id"]
        [moved] = await outbox(runtime, "actions.action.rescheduled.v1")
        assert moved["data"]["review_id"] == review["id"]
        assert (await client.get(f"/v1/actions/{action['id']}", headers=officer(settings))).json()[
            "due_on"
        ] == "2012-06-30"


async def test_a_review_with_one_bad_change_changes_nothing(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        board = await a_board(client, settings, "carole")
        plan = await posted(client, "/v1/plans", {**PLAN, "owner_body_id": board["id"]}, officer(settings))
        member = token(settings, "forum_member", subject="carole")
        await posted(client, f"/v1/plans/{plan['id']}/sign-off", {"signed_off_on": "2013-09-30"}, member)
        before = (
            await count(runtime, "priorities"),
            await count(runtime, "plan_reviews"),
            await count(runtime, "outbox"),
        )
        response = await client.post(
            f"/v1/plans/{plan['id']}/reviews",
            json={
                "held_on": "2014-01-15",
                "attendees": "Board",
                "changes": [
                    {"kind": "add_priority", "number": 2, "title": "Fine"},
                    {**ACTION, "kind": "add_action", "theme": "Cleaner, greener"},
                ],
            },
            headers=member,
        )
        assert response.status_code == 422
        assert response.json()["themes"] == THEMES
        after = (
            await count(runtime, "priorities"),
            await count(runtime, "plan_reviews"),
            await count(runtime, "outbox"),
        )
        assert after == before
        outsider = await client.post(
            f"/v1/plans/{plan['id']}/reviews",
            json={"held_on": "2014-01-15", "attendees": "Board"},
            headers=token(settings, "forum_member", subject="not-on-the-board"),
        )
        assert outsider.status_code == 403


async def test_a_task_and_finish_group_carries_actions_and_raises_its_overrun_once_across_instances(
    settings_for_test,
):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        plan = await posted(client, "/v1/plans", PLAN, officer(settings))
        group = await posted(
            client,
            f"/v1/plans/{plan['id']}/groups",
            {
                "name": "Alcohol harm task and finish group",
                "leader": "Director of Public Health",
                "remit": "Reduce harms caused by alcohol misuse in Rotherham",
                "starts_on": "2011-06-01",
                "ends_on": "2011-12-31",
                "members": [{"person": "A Sergeant", "organisation": "South Yorkshire Police", "role": "partner_body"}],
            },
            officer(settings),
        )
        closed_early = await posted(
            client,
            f"/v1/plans/{plan['id']}/groups",
            {"name": "Done", "leader": "L", "remit": "R", "starts_on": "2011-06-01", "ends_on": "2011-07-31"},
            officer(settings),
        )
        await posted(client, f"/v1/groups/{closed_early['id']}/close", {"closed_on": "2011-07-31"}, officer(settings))
        action = await posted(
            client, f"/v1/plans/{plan['id']}/actions", {**ACTION, "group_id": group["id"]}, officer(settings)
        )
        shown = (await client.get(f"/v1/groups/{group['id']}", headers=token(settings, "partner"))).json()
        assert (shown["action_ids"], shown["overrun"], shown["members"][0]["organisation"]) == (
            [action["id"]],
            True,
            "South Yorkshire Police",
        )

        await overrun_groups(app.state.runtime)
        await overrun_groups(app.state.runtime)
        other = Runtime(definition, settings)  # a restart, or a second instance
        try:
            await overrun_groups(other)
        finally:
            await other.stop()

        raised = await outbox(app.state.runtime, "actions.group.overran.v1")
        assert [e["subject"] for e in raised] == [group["id"]]
        assert raised[0]["data"] == {"group_id": group["id"], "plan_id": plan["id"], "ends_on": "2011-12-31"}
        formed = await outbox(app.state.runtime, "actions.group.formed.v1")
        assert "South Yorkshire Police" not in str(formed) and "Sergeant" not in str(formed)


async def test_a_lead_partner_updates_its_own_actions_only_and_partners_otherwise_read(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        plan = await posted(client, "/v1/plans", PLAN, officer(settings))
        police = await posted(
            client,
            f"/v1/plans/{plan['id']}/actions",
            {**ACTION, "lead_organisation": "South Yorkshire Police"},
            officer(settings),
        )
        milestone = await posted(
            client,
            f"/v1/actions/{police['id']}/milestones",
            {"title": "Op Solar", "due_on": "2011-09-30"},
            officer(settings),
        )
        lead = token(settings, "partner", organisation="South Yorkshire Police")
        other = token(settings, "partner", organisation="Voluntary Action Rotherham")
        progress = {"percent_complete": 40, "note": "Operation Solar under way"}

        assert (
            await client.post(f"/v1/actions/{police['id']}/progress", json=progress, headers=lead)
        ).status_code == 201
        refused = await client.post(
            f"/v1/actions/{police['id']}/progress", json={**progress, "percent_complete": 90}, headers=other
        )
        assert refused.status_code == 403
        assert "South Yorkshire Police" in refused.json()["detail"]
        assert (await client.get(f"/v1/actions/{police['id']}", headers=other)).json()["percent_complete"] == 40
        complete = f"/v1/milestones/{milestone['id']}/complete"
        assert (await client.post(complete, json={"evidence": "x"}, headers=other)).status_code == 403
        assert (await client.post(complete, json={"evidence": "Launched"}, headers=lead)).status_code == 200
        # Partners read but do not manage the plan.
        for url, body in (
            ("/v1/plans", PLAN),
            (f"/v1/plans/{plan['id']}/actions", ACTION),
            (f"/v1/plans/{plan['id']}/priorities", {"number": 1, "title": "x"}),
            ("/v1/bodies", {"kind": "forum", "name": "x", "chair": "x", "terms_of_reference": "x"}),
        ):
            assert (await client.post(url, json=body, headers=lead)).status_code == 403, url
        assert await count(app.state.runtime, "plans") == 1
