"""A plan as a CSV file, for real: the export re-imports to the same plan; a file with a bad row imports nothing."""

from __future__ import annotations

from sqlalchemy import text

from services.actions.app import definition
from services.actions.bsc_2017 import seed_2017_plan
from services.actions.demo import seed_demo
from shared.unit_of_work import Actor
from tests.support import COUNCIL, OTHER_COUNCIL, running_service, token

CSV = {"content-type": "text/csv"}


async def test_an_exported_plan_re_imports_to_the_same_plan(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        async with runtime.uow(Actor("system:test")) as uow:
            seeded = await seed_2017_plan(uow, COUNCIL, fund_id="fund-bsc")  # themes, actions, a bound milestone
        await seed_demo(runtime.engine)  # Rotherham 2011: priorities and objectives
        officer = token(settings, "officer")
        plans = (await client.get("/v1/plans", headers=officer)).json()["items"]
        assert len(plans) == 2
        for plan in plans:
            exported = await client.get(f"/v1/plans/{plan['id']}/export", headers=officer)
            assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")

            imported = await client.post("/v1/plans/import", content=exported.text, headers={**officer, **CSV})
            assert imported.status_code == 201, imported.text
            copy = imported.json()
            assert copy["id"] != plan["id"]
            for same in ("title", "period_start", "period_end", "themes", "vision", "area"):
                assert copy[same] == plan[same], same
            again = await client.get(f"/v1/plans/{copy['id']}/export", headers=officer)
            assert again.text == exported.text
        assert seeded.created
        # Another council imports a copy of its own; it sees only its own.
        leeds = token(settings, "officer", council=OTHER_COUNCIL)
        mine = await client.post("/v1/plans/import", content=exported.text, headers={**leeds, **CSV})
        assert mine.status_code == 201
        assert (await client.get(f"/v1/plans/{mine.json()['id']}", headers=officer)).status_code == 404


async def test_a_file_with_any_bad_row_imports_nothing_and_names_every_bad_row(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(definition, settings) as (app, client):
        runtime = app.state.runtime
        officer = token(settings, "officer")
        file = "\n".join(
            (
                "record,key,parent,number,title,theme,lead_organisation,owner,starts_on,due_on,themes",
                "plan,plan,,,BSC 2017,,,,2017-04-01,2018-03-31,Coordination",
                "priority,P1,,1,Bringing people together,,,,,,",
                "action,A1,,,Recruit,Coordination,RMBC,ACE,2017-05-01,2017-07-31,",
                "action,A2,,,Roadshows,Coordination,RMBC,ACE,2017-09-01,2017-07-31,",
                "milestone,A1.M1,A1,,In post,,,,,2017-07-32,",
            )
        )
        response = await client.post("/v1/plans/import", content=file, headers={**officer, **CSV})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["field"] == "file"
        assert [(e["line"], e["reason"]) for e in problem["errors"]] == [
            (5, "The action is due (2017-07-31) before it starts (2017-09-01)."),
            (6, "due_on '2017-07-32' is not a date like 2017-06-30."),
        ]
        async with runtime.engine.connect() as conn:
            counts = [
                (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar()
                for t in ("plans", "priorities", "actions", "outbox")
            ]
        assert counts == [0, 0, 0, 0]
        partner = token(settings, "partner")
        assert (await client.post("/v1/plans/import", content=file, headers={**partner, **CSV})).status_code == 403
        wrong_type = await client.post("/v1/plans/import", content=file, headers=officer)
        assert wrong_type.status_code == 415
