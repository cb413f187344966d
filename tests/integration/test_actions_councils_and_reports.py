"""Two councils side by side (Rotherham's 2011 strategy, Leeds' 2013 board), and reports as at a past date.

Neither council sees the other's plans, bodies or reports; a report as at a past
date is rebuilt from what had been recorded by then, the same figures in JSON and CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text

from services.actions import handlers
from services.actions.app import definition
from services.actions.demo import LEEDS, LEEDS_2013, ROTHERHAM, ROTHERHAM_2011, seed_demo
from shared.unit_of_work import Actor
from tests.support import running_service, token

THEMES = ["Bringing people together", "Expanding opportunity and economic security"]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


async def test_leeds_and_rotherham_each_see_only_their_own_plans_bodies_and_reports(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        lines = await seed_demo(runtime.engine)
        assert all("loaded" in line for line in lines), lines
        rotherham = token(settings, "officer", council=ROTHERHAM)
        leeds = token(settings, "partner", council=LEEDS, organisation="Leeds City Council")

        [r_plan] = (await client.get("/v1/plans", headers=rotherham)).json()["items"]
        [l_plan] = (await client.get("/v1/plans", headers=leeds)).json()["items"]
        assert (r_plan["title"], l_plan["title"]) == (ROTHERHAM_2011, LEEDS_2013)
        assert [b["name"] for b in (await client.get("/v1/bodies", headers=rotherham)).json()["items"]] == [
            "Rotherham Partnership Board"
        ]
        [board] = (await client.get("/v1/bodies", headers=leeds)).json()["items"]
        assert (board["name"], board["chair"]) == ("Communities Board", "Cllr Peter Gruen")

        # Leeds: the board's plan, signed off in September 2013, its work programme, priorities and indicators.
        assert (l_plan["status"], l_plan["signed_off_on"], l_plan["owner_body_id"]) == (
            "signed_off",
            "2013-09-30",
            board["id"],
        )
        assert {"Leeds Migration Partnership", "Leeds Poverty Challenge", "BME Challenge"} <= set(l_plan["themes"])
        priorities = (await client.get(f"/v1/plans/{l_plan['id']}/priorities", headers=leeds)).json()
        assert len(priorities) == 4 and len(priorities[3]["objectives"]) == 6
        indicators = (await client.get(f"/v1/plans/{l_plan['id']}/indicators", headers=leeds)).json()["items"]
        assert len(indicators) == 4
        # Rotherham: the three priorities of the 2011 strategy.
        r_priorities = (await client.get(f"/v1/plans/{r_plan['id']}/priorities", headers=rotherham)).json()
        assert r_priorities[0]["label"] == ("Priority 1: Ensuring the best start in life for children and families")
        assert [len(p["objectives"]) for p in r_priorities] == [3, 5, 3]

        for url in (
            f"/v1/plans/{l_plan['id']}",
            f"/v1/plans/{l_plan['id']}/priorities",
            f"/v1/plans/{l_plan['id']}/report",
            f"/v1/plans/{l_plan['id']}/report?format=csv",
            f"/v1/bodies/{board['id']}",
        ):
            response = await client.get(url, headers=rotherham)
            assert response.status_code == 404, url
        refused = await client.post(
            f"/v1/plans/{l_plan['id']}/sign-off",
            json={"signed_off_on": "2013-09-30"},
            headers=token(settings, "forum_member", council=ROTHERHAM, subject="peter.gruen"),
        )
        assert refused.status_code == 404

        async with runtime.engine.connect() as conn:
            before = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar()
        again = await seed_demo(runtime.engine)
        assert all("already there" in line for line in again), again
        async with runtime.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == before


async def test_a_report_as_at_a_past_date_uses_what_was_recorded_then_the_same_in_json_and_csv(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        async with runtime.uow(Actor("alice", "Rotherham MBC", ROTHERHAM)) as uow:
            plan = await handlers.create_plan(
                uow,
                council=ROTHERHAM,
                title="BSC 2017",
                period_start=date(2017, 4, 1),
                period_end=date(2018, 3, 31),
                themes=THEMES,
            )
        async with runtime.uow(Actor("alice", "Rotherham MBC", ROTHERHAM)) as uow:
            action = await handlers.add_action(
                uow,
                plan_id=plan.id,
                council=ROTHERHAM,
                theme=THEMES[0],
                title="Roadshows across the borough",
                lead_organisation="Rotherham MBC",
                owner="Assistant Chief Executive",
                starts_on=date(2017, 5, 1),
                due_on=date(2017, 8, 9),  # 100 days
                now=at(date(2017, 5, 1)),
            )
        for percent, day in ((30, date(2017, 5, 21)), (60, date(2017, 7, 1))):
            async with runtime.uow(Actor("alice", "Rotherham MBC", ROTHERHAM)) as uow:
                await handlers.record_progress(
                    uow, action_id=action.id, council=ROTHERHAM, percent_complete=percent, note="", now=at(day)
                )
        async with runtime.uow(Actor("alice", "Rotherham MBC", ROTHERHAM)) as uow:
            milestone = await handlers.add_milestone(
                uow,
                action_id=action.id,
                council=ROTHERHAM,
                title="First roadshow",
                due_on=date(2017, 6, 15),
                now=at(date(2017, 5, 1)),
            )
        async with runtime.uow(Actor("alice", "Rotherham MBC", ROTHERHAM)) as uow:
            await handlers.complete_milestone(
                uow, milestone_id=milestone.id, council=ROTHERHAM, evidence="Held", now=at(date(2017, 7, 10))
            )
        reader = token(settings, "partner", council=ROTHERHAM)

        url = f"/v1/plans/{plan.id}/report?as_at=2017-06-30"
        then: dict[str, Any] = (await client.get(url, headers=reader)).json()
        # On 30 June: 30% at day 60 (red), though 60% is recorded now; the roadshow milestone was overdue.
        assert then["themes"][0] == {"name": THEMES[0], "green": 0, "amber": 0, "red": 1}
        assert [o["title"] for o in then["overdue"]] == ["First roadshow"]
        assert (then["milestones_complete"], then["milestones_pending"]) == (0, 1)
        today = (await client.get(f"/v1/plans/{plan.id}/summary?as_of=2017-06-30", headers=reader)).json()
        assert today["themes"][0]["green"] == 1  # today's 60% applied to the old date: not what the report says

        as_csv = await client.get(url + "&format=csv", headers=reader)
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        figures = {(r["section"], r["name"], r["measure"]): r["value"] for r in rows}
        for theme in then["themes"]:
            for rag in ("green", "amber", "red"):
                assert figures[("theme", theme["name"], rag)] == str(theme[rag])
        assert figures[("milestones", "all", "complete")] == str(then["milestones_complete"])
        assert figures[("milestones", "all", "pending")] == str(then["milestones_pending"])
        assert figures[("overdue", "First roadshow", "due_on")] == then["overdue"][0]["due_on"]
        assert figures[("plan", "BSC 2017", "as_at")] == "2017-06-30"
