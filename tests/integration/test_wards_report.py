"""The annual report on neighbourhood working against the real database: meetings against the cadence,
budgets and utilisation, engagement, plans published and refreshed, updates missed — per ward, locality and
council, the same figures in JSON and CSV, naming the boundary set; for staff, ward members and partners of
the council only."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.wards.domain import dues_in
from shared.calendar import FinancialYear, today_in_london
from tests.integration.test_wards_plans import Wards, a_plan, running_wards
from tests.support import OTHER_COUNCIL

BOSTON_CASTLE, GREASBROUGH = "E05012996", "E05013001"


@pytest.fixture
async def wards(settings_for_test) -> AsyncIterator[Wards]:
    async with running_wards(settings_for_test("wards")) as w:
        yield w


async def a_year_of_neighbourhood_working(w: Wards, year: FinancialYear) -> None:
    today = today_in_london()
    await w.ok(
        "POST",
        f"/v1/budgets/{year.label}",
        w.officer,
        {"revenue_total_pence": 2_500_000, "capital_total_pence": 0},
        expect=201,
    )
    page = await w.ok(
        "GET", f"/v1/budgets?financial_year={year.label}&gss_code={BOSTON_CASTLE}&kind=revenue", w.officer
    )
    spend = {"budget_id": page["items"][0]["id"], "amount_pence": 40_000, "purpose": "Clear-up skips"}
    request = await w.ok("POST", "/v1/spend-requests", w.officer, spend, expect=201)
    await w.ok("POST", f"/v1/spend-requests/{request['id']}/approve", w.as_("approver"))
    locality = {"champion_name": "A. Champion", "champion_organisation": "Rotherham CCG", "champion_sector": "health"}
    await w.ok("PUT", "/v1/localities/central", w.officer, locality | {"gss_codes": [BOSTON_CASTLE, GREASBROUGH]})
    meeting = {"held_on": today.isoformat(), "other_attendees": 3, "decisions": [], "minutes": "Reviewed the plan."}
    for _ in range(2):
        await w.ok("POST", f"/v1/wards/{BOSTON_CASTLE}/meetings", w.officer, meeting, expect=201)
    engagement = {"kind": "drop_in", "held_on": today.isoformat(), "place": "Library", "people_reached": 23}
    await w.ok("POST", f"/v1/wards/{BOSTON_CASTLE}/engagements", w.officer, engagement, expect=201)
    await w.ok(
        "POST", f"/v1/wards/{GREASBROUGH}/engagements", w.officer, engagement | {"people_reached": 7}, expect=201
    )
    for version in (1, 2):
        await w.ok("POST", f"/v1/wards/{BOSTON_CASTLE}/plans", w.officer, a_plan(), expect=201)
        await w.ok("POST", f"/v1/wards/{BOSTON_CASTLE}/plans/{version}/publish", w.officer)
    update = {"financial_year": year.label, "quarter": 1, "progress": "Going well", "spend_pence": 40_000}
    await w.ok("POST", f"/v1/wards/{BOSTON_CASTLE}/quarterly-updates", w.officer, update, expect=201)


async def test_the_annual_report_counts_the_year_per_ward_locality_and_council_alike_in_json_and_csv(wards: Wards):
    year = FinancialYear.of(today_in_london())
    await a_year_of_neighbourhood_working(wards, year)
    path = f"/v1/reports/neighbourhood-working/{year.label}"

    report = await wards.ok("GET", path, wards.as_("partner"))
    assert (report["financial_year"], report["boundary_set"]) == (year.label, "WD24")
    rows = {(r["scope"], r["code"]): r for r in report["rows"]}
    assert len(rows) == 25 + 1 + 1  # the wards, the one locality given wards, the council
    due = len(dues_in(year, today_in_london()))
    boston = rows[("ward", BOSTON_CASTLE)]
    assert {
        k: boston[k]
        for k in (
            "boundary_set",
            "locality",
            "meetings_held",
            "meetings_expected",
            "engagements",
            "people_reached",
            "plans_published",
            "plans_refreshed",
            "updates_submitted",
            "updates_missed",
            "revenue_budget_pence",
            "revenue_committed_and_spent_pence",
            "revenue_utilisation_percent",
        )
    } == {
        "boundary_set": "WD24",
        "locality": "central",
        "meetings_held": 2,
        "meetings_expected": 4,
        "engagements": 1,
        "people_reached": 23,
        "plans_published": 1,
        "plans_refreshed": 1,
        "updates_submitted": 1,
        "updates_missed": max(0, due - 1),
        "revenue_budget_pence": 100_000,
        "revenue_committed_and_spent_pence": 40_000,
        "revenue_utilisation_percent": 40.0,
    }
    central = rows[("locality", "central")]
    assert (central["wards"], central["meetings_held"], central["meetings_expected"], central["people_reached"]) == (
        2,
        2,
        8,
        30,
    )
    assert (central["revenue_budget_pence"], central["revenue_utilisation_percent"]) == (200_000, 20.0)
    council = rows[("council", "")]
    assert (council["wards"], council["revenue_budget_pence"], council["revenue_utilisation_percent"]) == (
        25,
        2_500_000,
        1.6,
    )
    assert council["updates_missed"] == 25 * due - 1 if due else council["updates_missed"] == 0
    assert council["plans_published"] == 1 and council["engagements"] == 2

    as_csv = await wards.client.get(f"{path}?format=csv", headers=wards.as_("partner"))
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["x-boundary-set"] == "WD24"
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    assert [{k: text(v) for k, v in r.items()} for r in report["rows"]] == parsed


async def test_the_annual_report_is_for_the_councils_own_readers_only(wards: Wards):
    year = FinancialYear.of(today_in_london()).label
    path = f"/v1/reports/neighbourhood-working/{year}"
    for role in ("officer", "ward_member", "approver", "finance", "partner"):
        assert (await wards.client.get(path, headers=wards.as_(role))).status_code == 200
    assert (await wards.client.get(path, headers=wards.as_("applicant"))).status_code == 403
    assert (await wards.client.get(path)).status_code == 401
    leeds = await wards.ok("GET", path, wards.as_("officer", council=OTHER_COUNCIL))
    assert [(r["scope"], r["wards"]) for r in leeds["rows"]] == [("council", 0)]
    assert (
        await wards.client.get("/v1/reports/neighbourhood-working/2017-19", headers=wards.officer)
    ).status_code == 422


async def test_a_report_across_a_boundary_change_names_the_set_of_each_row(wards: Wards):
    """A record made under the old set keeps its code and set; the report says which set each row uses."""
    old = {"gss_code": "E05001000", "name": "Old Central", "local_authority_name": "Rotherham", "boundary_set": "WD04"}
    await wards.ok("POST", "/v1/wards", wards.officer, [old], expect=201)
    engagement = {"kind": "walkabout", "held_on": today_in_london().isoformat(), "place": "Market", "people_reached": 5}
    made = await wards.ok("POST", "/v1/wards/E05001000/engagements", wards.officer, engagement, expect=201)
    assert made["boundary_set"] == "WD04"

    report = await wards.ok(
        "GET", f"/v1/reports/neighbourhood-working/{FinancialYear.of(today_in_london()).label}", wards.officer
    )
    assert report["boundary_set"] == "WD24"
    rows = {r["code"]: r for r in report["rows"]}
    assert (rows["E05001000"]["boundary_set"], rows["E05001000"]["people_reached"]) == ("WD04", 5)
    assert rows[BOSTON_CASTLE]["boundary_set"] == "WD24"
    assert rows[""]["boundary_set"] == "WD04,WD24" and rows[""]["wards"] == 26
