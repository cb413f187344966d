"""Every example of the hostile-input issue, against the real services: each is refused with a 4xx
problem naming the field, and a refused command changes nothing.

(The token, body-size and outage examples have files of their own: test_hostile_tokens.py,
test_hostile_requests.py, test_hostile_outages.py; the webhook URL spellings are also judged, unit
by unit, in tests/unit/test_hostile_webhook_urls.py.)
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from services.actions.app import definition as actions
from services.notifications.app import definition as notifications
from services.wards.app import definition as wards
from shared.problems import PROBLEM_JSON
from tests.integration.test_actions_api import a_plan
from tests.integration.test_grants_api import Grants, an_application, apply, bsc_fund, grants, open_fund
from tests.support import eventually, running_service, token

__all__ = ["grants"]  # the fixture, from the grants API's tests

NUL = "\u0000"
BOSTON_CASTLE = "E05012996"


def assert_refused(response: httpx.Response, *field: str | int, status: int = 422) -> dict[str, Any]:
    """A problem of ``status`` whose ``errors`` (or detail) name ``field``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    if field:
        locations = [error["location"] for error in body.get("errors", [])]
        assert any(location[-len(field) :] == list(field) for location in locations), (field, body)
    return body


async def count(g: Grants, table: str) -> int:
    return int((await g.sql(f"SELECT count(*) FROM {table}"))[0][0])


async def test_grants_refuses_nul_overflowing_pence_a_total_beyond_a_fund_null_wards_and_year_43(grants: Grants):
    g = grants
    funds_before, events_before = await count(g, "funds"), await count(g, "outbox")

    assert_refused(await g.client.post("/v1/funds", json=bsc_fund(name=f"BSC{NUL}"), headers=g.officer), "name")
    too_big = bsc_fund(maximum_award_pence=2**63)
    assert_refused(await g.client.post("/v1/funds", json=too_big, headers=g.officer), "maximum_award_pence")
    overflowing = bsc_fund(contributions=[{"funder_name": "Council", "amount_pence": 2**63}])
    assert_refused(await g.client.post("/v1/funds", json=overflowing, headers=g.officer), "amount_pence")
    # Three contributions of 2**62 each would total 1.38e19 pence, past every consumer's 64-bit integer.
    three = bsc_fund(contributions=[{"funder_name": f"Funder {i}", "amount_pence": 2**62} for i in range(3)])
    assert_refused(await g.client.post("/v1/funds", json=three, headers=g.officer), "amount_pence")
    # Each within bounds, but together more than one fund may hold (£10m): the sum is checked too.
    summed = bsc_fund(contributions=[{"funder_name": f"Funder {i}", "amount_pence": 6_000_000_00} for i in range(2)])
    body = assert_refused(await g.client.post("/v1/funds", json=summed, headers=g.officer))
    assert body["total_contributions_pence"] == 12_000_000_00
    ancient = bsc_fund(opens_on="0043-06-01")
    assert_refused(await g.client.post("/v1/funds", json=ancient, headers=g.officer), "opens_on")
    assert (await count(g, "funds"), await count(g, "outbox")) == (funds_before, events_before)

    assert_refused(await g.client.get("/v1/funds/%00", headers=g.officer), "path", "fund_id")

    fund = await open_fund(g)
    url = f"/v1/funds/{fund['id']}/applications"
    assert_refused(await g.client.post(url, json=an_application(title=f"T{NUL}"), headers=g.group), "title")
    assert_refused(await g.client.post(url, json=an_application(starts_on="0432-01-01"), headers=g.group), "starts_on")
    mine = await apply(g, fund["id"])
    patch = f"/v1/applications/{mine['id']}"
    assert_refused(await g.client.patch(patch, json={"ward_codes": None}, headers=g.group), "ward_codes")
    assert_refused(await g.client.patch(patch, json={"title": None}, headers=g.group), "title")
    assert_refused(await g.client.patch(patch, json={"ends_on": "0043-01-01"}, headers=g.group), "ends_on")
    kept = (await g.client.get(patch, headers=g.group)).json()
    assert kept["ward_codes"] == mine["ward_codes"] and kept["title"] == mine["title"]
    # A project's dates may be cleared: null is refused only where the record cannot be empty.
    cleared = await g.client.patch(patch, json={"starts_on": None}, headers=g.group)
    assert cleared.status_code == 200, cleared.text


async def test_wards_refuses_nul_in_a_members_name_overflowing_counts_and_pence_and_year_432(settings_for_test):
    settings = settings_for_test("wards")
    async with running_service(wards, settings) as (app, client):
        officer = token(settings, "officer")
        await eventually(lambda: _known(client, officer))  # the bundled wards load as the service starts
        member = {"name": f"Cllr{NUL}", "email": "cllr@example.org"}
        assert_refused(await client.post(f"/v1/wards/{BOSTON_CASTLE}/members", json=member, headers=officer), "name")
        url = f"/v1/wards/{BOSTON_CASTLE}/meetings"
        meeting = {"held_on": "2018-05-01", "other_attendees": 3, "decisions": [], "minutes": ""}
        for change, field in (
            ({"other_attendees": 2147483648}, ("other_attendees",)),
            ({"decisions": [{"text": "CCTV", "budget_allocation_pence": 2**63}]}, ("budget_allocation_pence",)),
            ({"held_on": "0432-05-01"}, ("held_on",)),
            ({"minutes": f"Minutes{NUL}"}, ("minutes",)),
        ):
            assert_refused(await client.post(url, json={**meeting, **change}, headers=officer), *field)
        async with app.state.runtime.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT count(*) FROM ward_meetings"))).scalar_one()
        assert stored == 0
        assert (await client.post(url, json=meeting, headers=officer)).status_code == 201


async def _known(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    return (await client.get(f"/v1/wards/{BOSTON_CASTLE}", headers=headers)).status_code == 200


async def test_actions_refuses_nul_in_a_plan_title_an_infinite_indicator_value_and_year_43(settings_for_test):
    settings = settings_for_test("actions")
    async with running_service(actions, settings) as (_, client):
        officer = token(settings, "officer")
        plan_body = {"title": f"Plan{NUL}", "period_start": "2017-04-01", "period_end": "2018-03-31", "themes": ["T"]}
        assert_refused(await client.post("/v1/plans", json=plan_body, headers=officer), "title")
        ancient = {**plan_body, "title": "Plan", "period_start": "0043-04-01"}
        assert_refused(await client.post("/v1/plans", json=ancient, headers=officer), "period_start")
        plan = await a_plan(client, settings)
        indicator = {
            "title": "Reported hate incidents",
            "unit": "count",
            "higher_is_better": False,
            "baseline": 120,
            "baseline_period": "2016/17",
            "target": 100,
            "target_period": "2019/20",
        }
        created = await client.post(f"/v1/plans/{plan['id']}/indicators", json=indicator, headers=officer)
        assert created.status_code == 201, created.text
        values = f"/v1/indicators/{created.json()['id']}/values"
        # 1e400 is JSON a client may send; Python reads it as infinity.
        infinite = b'{"period": "2017/18 Q1", "period_end": "2017-06-30", "value": 1e400}'
        headers = {**officer, "content-type": "application/json"}
        assert_refused(await client.post(values, content=infinite, headers=headers), "value")
        shown = (await client.get(f"/v1/indicators/{created.json()['id']}", headers=officer)).json()
        assert shown["values"] == []


async def test_notifications_refuses_nul_loopback_spellings_and_a_pattern_that_matches_no_event(settings_for_test):
    settings = settings_for_test("notifications")
    async with running_service(notifications, settings) as (_, client):
        officer = token(settings, "officer")
        partner = {"name": "South Yorkshire Police", "organisation": "syp", "contact_email": "ops@syp.example"}
        assert_refused(
            await client.post("/v1/partners", json={**partner, "name": f"SYP{NUL}"}, headers=officer), "name"
        )
        assert (await client.post("/v1/partners", json=partner, headers=officer)).status_code == 201
        as_partner = token(settings, "partner", organisation="syp", subject="syp-integration")

        def webhook(url: str, *patterns: str) -> dict[str, Any]:
            return {"channel": "webhook", "url": url, "event_types": list(patterns or ["grants.#"])}

        nul_url = await client.post("/v1/subscriptions", json=webhook(f"https://p.example/{NUL}"), headers=as_partner)
        assert_refused(nul_url, "url")
        for url in (
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://127.0.0.1./",
            "http://0/",
            "http://localhost./",
        ):
            refused = await client.post("/v1/subscriptions", json=webhook(url), headers=as_partner)
            assert refused.status_code == 422, (url, refused.text)
        silent = await client.post(
            "/v1/subscriptions", json=webhook("https://p.example/hook", "actions.milestone.*"), headers=as_partner
        )
        body = assert_refused(silent, "event_types")
        assert "actions.milestone.completed.v1" in body["detail"]  # the nearest types are named
        fixed = webhook("https://p.example/hook", "actions.milestone.#")
        assert (await client.post("/v1/subscriptions", json=fixed, headers=as_partner)).status_code == 201
        listed = (await client.get("/v1/subscriptions", headers=as_partner)).json()["items"]
        assert [s["event_types"] for s in listed] == [["actions.milestone.#"]]
