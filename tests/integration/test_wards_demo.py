"""The wards demo data reaches the paper's utilisation, loads once, and the walk takes a ward meeting's
decision to money spent, against the running wards service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from services.wards.app import definition
from services.wards.demo import demo_year, load_wards_demo_data, walk_meeting_to_money_spent
from tests.support import eventually, running_service, token


async def test_the_demo_year_reaches_the_papers_utilisation_and_the_walk_spends_a_meetings_decision(
    settings_for_test,
):
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):

        async def loaded() -> bool:
            async with app.state.runtime.engine.connect() as conn:
                return (await conn.execute(text("SELECT count(*) FROM boundary_sets"))).scalar() == 1

        await eventually(loaded)
        lines = await load_wards_demo_data(client, settings, "")
        assert lines[0] == "wards: 59 elected members recorded"
        year = demo_year().label
        headers = token(settings, "partner")

        async def used() -> dict[str, Any]:
            response = await client.get(f"/v1/budgets/utilisation?financial_year={year}", headers=headers)
            return {row["kind"]: row["utilisation_percent"] for row in response.json()}

        assert await used() == {"capital": 82.0, "clf": 6.8, "revenue": 74.0}
        assert "spent" in lines[2] and "refused" in lines[2] and "cancelled" in lines[2]
        assert await load_wards_demo_data(client, settings, "") == [
            "wards: elected members already there",
            f"wards: {year} budgets already set",
        ]

        said: list[str] = []
        trace_id = await walk_meeting_to_money_spent(client, settings, "", said.append)
        assert len(trace_id) == 32 and trace_id in said[0]
        assert "approves it: committed" in said[2]
        assert "£225.00 spent; £25.00 released" in said[3]
        async with app.state.runtime.engine.connect() as conn:
            traced = await conn.execute(
                text(
                    "SELECT event_type FROM outbox WHERE traceparent LIKE :t AND event_type LIKE 'wards.%' ORDER BY seq"
                ),
                {"t": f"00-{trace_id}-%"},
            )
            assert [row[0] for row in traced] == ["wards.meeting.held.v1", "wards.spend_request.requested.v1"]
