"""The neighbourhood-working demo data loads once against the running wards service and shows the whole of it:
localities with champions, a cluster, a plan published and refreshed, a year of updates with one missed,
engagement, and a public place profile that the demo's grant joins when grants awards it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from services.wards.app import definition
from services.wards.demo import PLAN_WARD, demo_year, load_neighbourhood_demo_data
from shared.events import new_envelope
from shared.events.catalogue import grants as grants_events
from tests.integration.test_actions_milestone_bindings import publish
from tests.support import COUNCIL, eventually, running_service, token


async def test_the_neighbourhood_demo_loads_once_and_shows_plans_updates_engagement_and_a_public_profile(
    settings_for_test,
):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):

        async def loaded() -> bool:
            async with app.state.runtime.engine.connect() as conn:
                return (await conn.execute(text("SELECT count(*) FROM boundary_sets"))).scalar() == 1

        await eventually(loaded)
        lines = await load_neighbourhood_demo_data(client, settings, "")
        assert len(lines) == 4 and "Q3 missed" in lines[2]
        partner = token(settings, "partner")

        localities = (await client.get("/v1/localities", headers=partner)).json()
        assert [(x["locality"], x["champion_sector"]) for x in localities] == [
            ("north", "health"),
            ("central", "police"),
            ("south", "council"),
        ]
        assert sum(len(x["gss_codes"]) for x in localities) == 25
        (cluster,) = (await client.get("/v1/clusters", headers=partner)).json()
        assert len(cluster["gss_codes"]) == 3

        plan = (await client.get(f"/v1/public/wards/{PLAN_WARD}/plan")).json()
        assert (plan["version"], len(plan["priorities"])) == (2, 3)
        first = (await client.get(f"/v1/public/wards/{PLAN_WARD}/plan/versions/1")).json()
        assert first["status"] == "superseded"

        last_year = demo_year().previous.label
        report = (
            await client.get(f"/v1/reports/neighbourhood-working/{last_year}?as_of=2100-01-01", headers=partner)
        ).json()
        (boston,) = [r for r in report["rows"] if r["code"] == PLAN_WARD]
        assert (boston["updates_submitted"], boston["updates_missed"]) == (3, 1)

        await publish(
            settings,
            new_envelope(
                "grants",
                grants_events.ApplicationApproved(
                    application_id="demo-application",
                    fund_id="demo-fund",
                    amount_awarded_pence=80_000,
                    ward_codes=[PLAN_WARD, "E05013004"],
                    decided_at=datetime.now(UTC),
                    title="Eastwood summer family fun days",
                    recipient_organisation_name="Eastwood Village Residents' Association",
                ),
                subject="demo-application",
                council=COUNCIL,
            ),
        )

        async def with_grant() -> list[str]:
            profile = (await client.get(f"/v1/public/wards/{PLAN_WARD}/profile")).json()
            return [g["title"] for g in profile.get("grants_awarded", [])]

        assert await eventually(with_grant) == ["Eastwood summer family fun days"]
        profile = (await client.get(f"/v1/public/wards/{PLAN_WARD}/profile")).json()
        assert (profile["imd_decile"], len(profile["community_assets"])) == (1, 2)
        engaged = (await client.get(f"/v1/wards/{PLAN_WARD}/engagements", headers=token(settings, "officer"))).json()
        assert len(engaged) == 3

        again = await load_neighbourhood_demo_data(client, settings, "")
        assert len(again) == 1 and "already there" in again[0]
