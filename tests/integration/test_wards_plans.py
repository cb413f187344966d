"""Ward plans against the real database and broker: drafted, published and refreshed with every version
readable; drafts only for officers and the ward's own members; the public reads published plans and place
profiles without a token, with ETag, Cache-Control and 304; spend requests and engagement records name a
priority of the ward's published plan; quarterly updates, and resident engagement with who may record them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.wards.app import definition
from shared.calendar import FinancialYear, today_in_london
from shared.settings import Settings
from tests.support import COUNCIL, OTHER_COUNCIL, eventually, running_service, token

BOSTON_CASTLE, GREASBROUGH = "E05012996", "E05013001"
THEMES = [
    "Every child making the best start in life",
    "Every adult secure, responsible and empowered",
    "A strong community in a clean, safe environment",
]


@dataclass
class Wards:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    def as_(self, role: str, **claims: Any) -> dict[str, str]:
        return token(self.settings, role, **claims)

    @property
    def officer(self) -> dict[str, str]:
        return token(self.settings, "officer", subject="officer-1")

    @property
    def member(self) -> dict[str, str]:
        return token(self.settings, "ward_member", subject="cllr-1", wards=[BOSTON_CASTLE])

    async def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.app.state.runtime.engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(query), params)).all()]

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        rows = await self.sql("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq", t=event_type)
        return [envelope for (envelope,) in rows]

    async def ok(self, method: str, path: str, headers: dict[str, str], json: Any = None, expect: int = 200) -> Any:
        response = await self.client.request(method, path, headers=headers, json=json)
        assert response.status_code == expect, response.text
        return response.json()


@asynccontextmanager
async def running_wards(settings: Settings, *, themes: bool = True) -> AsyncIterator[Wards]:
    """The wards service with Rotherham's reference wards loaded (and the council's themes, unless told)."""
    async with running_service(definition, settings) as (app, client):
        w = Wards(app, client, settings)

        async def loaded() -> bool:
            return await w.sql("SELECT count(*) FROM boundary_sets") == [(1,)]

        await eventually(loaded)
        if themes:
            await w.ok("PUT", "/v1/council-themes", w.officer, {"themes": THEMES})
        yield w


@pytest.fixture
async def wards(settings_for_test) -> AsyncIterator[Wards]:
    async with running_wards(settings_for_test("wards")) as w:
        yield w


def a_plan(**overrides: Any) -> dict[str, Any]:
    return {
        "period": "2018-2020",
        "priorities": [
            {
                "title": "Tackle fly-tipping in the back lanes",
                "council_theme": THEMES[2],
                "actions": [{"title": "Two community clear-ups a year", "lead": "Community Protection"}],
            },
            {"title": "Activities for young people in the holidays", "council_theme": THEMES[0]},
        ],
        "engagement_strategy": "A ward surgery each month, a newsletter each quarter and a stall at the gala.",
    } | overrides


# --- Drafted, published, refreshed ----------------------------------------------------------------


async def test_a_plan_is_drafted_published_and_refreshed_and_every_version_stays_readable(wards: Wards):
    path = f"/v1/wards/{BOSTON_CASTLE}/plans"
    first = await wards.ok("POST", path, wards.member, a_plan(), expect=201)
    assert (first["version"], first["status"], first["boundary_set"]) == (1, "draft", "WD24")
    again = await wards.client.post(path, json=a_plan(), headers=wards.officer)
    assert again.status_code == 409  # one draft at a time
    published = await wards.ok("POST", f"{path}/1/publish", wards.member)
    assert (published["status"], published["published_on"]) == ("published", today_in_london().isoformat())
    refused = await wards.client.put(f"{path}/1", json=a_plan(period="2019-2021"), headers=wards.officer)
    assert refused.status_code == 409  # a published version is never changed

    kept = published["priorities"][0]
    refresh = a_plan(
        period="2019-2021",
        priorities=[
            {"id": kept["id"], "title": kept["title"], "council_theme": kept["council_theme"]},
            {"title": "Safer roads near the schools", "council_theme": THEMES[1]},
        ],
    )
    second = await wards.ok("POST", path, wards.officer, refresh, expect=201)
    assert (second["version"], second["status"]) == (2, "draft")
    await wards.ok("POST", f"{path}/2/publish", wards.officer)

    versions = await wards.ok("GET", path, wards.as_("partner"))
    assert [(v["version"], v["status"]) for v in versions] == [(2, "published"), (1, "superseded")]
    assert (await wards.ok("GET", f"{path}/1", wards.as_("partner")))["period"] == "2018-2020"
    assert (await wards.ok("GET", f"{path}/2", wards.as_("partner")))["priorities"][0]["id"] == kept["id"]

    events = await wards.events("wards.ward_plan.published.v1")
    assert [(e["data"]["plan_version"], e["data"]["refresh"]) for e in events] == [(1, False), (2, True)]
    assert events[1]["data"]["boundary_set"] == "WD24" and events[1]["council"] == COUNCIL
    assert len(await wards.events("wards.ward_plan.drafted.v1")) == 2


async def test_a_priority_must_align_to_one_of_the_councils_themes_and_a_refused_draft_changes_nothing(wards: Wards):
    plan = a_plan(priorities=[{"title": "Something", "council_theme": "Not a theme of the council"}])
    refused = await wards.client.post(f"/v1/wards/{BOSTON_CASTLE}/plans", json=plan, headers=wards.officer)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["council_theme"] == "Not a theme of the council"
    no_strategy = await wards.client.post(
        f"/v1/wards/{BOSTON_CASTLE}/plans", json=a_plan(engagement_strategy=""), headers=wards.officer
    )
    assert no_strategy.status_code == 422
    assert await wards.sql("SELECT count(*) FROM ward_plans") == [(0,)]
    assert await wards.events("wards.ward_plan.drafted.v1") == []


async def test_drafts_are_for_officers_and_the_wards_own_members_only(wards: Wards):
    path = f"/v1/wards/{BOSTON_CASTLE}/plans"
    await wards.ok("POST", path, wards.officer, a_plan(), expect=201)
    other_member = wards.as_("ward_member", subject="cllr-9", wards=[GREASBROUGH])
    assert await wards.ok("GET", path, wards.member) != []
    assert await wards.ok("GET", path, wards.officer) != []
    for reader in (wards.as_("partner"), other_member):
        assert await wards.ok("GET", path, reader) == []
        assert (await wards.client.get(f"{path}/1", headers=reader)).status_code == 404
    # Only officers and the ward's own members draft or publish; no council reaches another's ward.
    assert (await wards.client.post(path, json=a_plan(), headers=other_member)).status_code == 403
    assert (await wards.client.post(f"{path}/1/publish", headers=other_member)).status_code == 403
    assert (await wards.client.post(f"{path}/1/publish", headers=wards.as_("partner"))).status_code == 403
    leeds = wards.as_("officer", council=OTHER_COUNCIL)
    assert (await wards.client.get(path, headers=leeds)).status_code == 404
    assert (await wards.client.post(f"{path}/1/publish", headers=leeds)).status_code == 404
    assert (await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/plan")).status_code == 404
    # The public reads what is published, and changes nothing: no token, no command.
    assert (await wards.client.post(f"{path}/1/publish")).status_code == 401
    assert (await wards.client.get(path)).status_code == 401
    assert await wards.sql("SELECT status FROM ward_plans") == [("draft",)]


# --- Public, without a token, with caching headers ------------------------------------------------


async def test_the_public_reads_a_published_plan_without_a_token_with_etag_and_a_304(wards: Wards):
    path = f"/v1/wards/{BOSTON_CASTLE}/plans"
    await wards.ok("POST", path, wards.officer, a_plan(), expect=201)
    await wards.ok("POST", f"{path}/1/publish", wards.officer)

    public = await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/plan")
    assert public.status_code == 200, public.text
    assert public.json()["version"] == 1 and public.json()["status"] == "published"
    etag = public.headers["etag"]
    assert etag.startswith('"') and public.headers["cache-control"] == "public, max-age=300"

    unchanged = await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/plan", headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (304, b"", etag)

    # A refresh changes the answer: the old ETag no longer matches, and version 1 is still public.
    refresh = a_plan(period="2019-2021")
    await wards.ok("POST", path, wards.officer, refresh, expect=201)
    draft_only = await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/plan", headers={"If-None-Match": etag})
    assert draft_only.status_code == 304  # a draft is not public: nothing changed for the public
    await wards.ok("POST", f"{path}/2/publish", wards.officer)
    changed = await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/plan", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.headers["etag"] != etag
    old = await wards.client.get(f"/v1/public/wards/{BOSTON_CASTLE}/plan/versions/1")
    assert (old.status_code, old.json()["status"]) == (200, "superseded")
    assert (await wards.client.get(f"/v1/public/wards/{GREASBROUGH}/plan")).status_code == 404
    assert (await wards.client.get("/v1/public/wards/E05999999/plan")).status_code == 404


# --- Spend requests and engagement name a priority ------------------------------------------------


async def test_a_spend_request_names_a_priority_of_the_wards_published_plan(wards: Wards):
    year = FinancialYear.of(today_in_london()).label
    await wards.ok(
        "POST",
        f"/v1/budgets/{year}",
        wards.officer,
        {"revenue_total_pence": 2_500_000, "capital_total_pence": 0},
        expect=201,
    )
    budgets = await wards.ok(
        "GET", f"/v1/budgets?financial_year={year}&gss_code={BOSTON_CASTLE}&kind=revenue", wards.officer
    )
    budget_id = budgets["items"][0]["id"]
    body = {"budget_id": budget_id, "amount_pence": 10_000, "purpose": "Skip hire for a clear-up"}

    unplanned = await wards.client.post(
        "/v1/spend-requests", json=body | {"ward_plan_priority": "no-such-priority"}, headers=wards.officer
    )
    assert unplanned.status_code == 422
    assert unplanned.json()["title"] == "Not a priority of the ward's plan"
    assert await wards.sql("SELECT count(*) FROM spend_requests") == [(0,)]

    path = f"/v1/wards/{BOSTON_CASTLE}/plans"
    await wards.ok("POST", path, wards.officer, a_plan(), expect=201)
    plan = await wards.ok("POST", f"{path}/1/publish", wards.officer)
    priority = plan["priorities"][0]["id"]
    request = await wards.ok(
        "POST", "/v1/spend-requests", wards.officer, body | {"ward_plan_priority": priority}, expect=201
    )
    assert request["ward_plan_priority"] == priority
    # Another ward's priority is not this ward's.
    keppel = await wards.ok(
        "GET", f"/v1/budgets?financial_year={year}&gss_code={GREASBROUGH}&kind=revenue", wards.officer
    )
    elsewhere = body | {"budget_id": keppel["items"][0]["id"], "ward_plan_priority": priority}
    assert (await wards.client.post("/v1/spend-requests", json=elsewhere, headers=wards.officer)).status_code == 422


async def test_engagement_is_recorded_by_the_wards_own_members_and_officers_and_informs_a_priority(wards: Wards):
    path = f"/v1/wards/{BOSTON_CASTLE}/plans"
    await wards.ok("POST", path, wards.officer, a_plan(), expect=201)
    priority = (await wards.ok("POST", f"{path}/1/publish", wards.officer))["priorities"][0]["id"]
    record = {
        "kind": "ward_surgery",
        "held_on": (today_in_london() - timedelta(days=3)).isoformat(),
        "place": "Boston Castle community centre",
        "people_reached": 23,
        "issues_raised": ["Fly-tipping behind the shops", "Speeding on the high street"],
        "priority_id": priority,
    }
    engagements = f"/v1/wards/{BOSTON_CASTLE}/engagements"
    made = await wards.ok("POST", engagements, wards.member, record, expect=201)
    assert (made["people_reached"], made["boundary_set"], made["priority_id"]) == (23, "WD24", priority)
    ((event,),) = [await wards.events("wards.engagement.recorded.v1")]
    assert event["data"] == {
        "engagement_id": made["id"],
        "gss_code": BOSTON_CASTLE,
        "kind": "ward_surgery",
        "held_on": record["held_on"],
        "people_reached": 23,
        "issue_count": 2,
        "priority_id": priority,
    }
    assert "Fly-tipping" not in str(event)  # what residents said stays in the service

    for refused, headers in (
        (403, wards.as_("ward_member", subject="cllr-9", wards=[GREASBROUGH])),
        (403, wards.as_("partner")),
        (404, wards.as_("officer", council=OTHER_COUNCIL)),
    ):
        assert (await wards.client.post(engagements, json=record, headers=headers)).status_code == refused
        assert (await wards.client.get(engagements, headers=headers)).status_code == refused
    future = record | {"held_on": (today_in_london() + timedelta(days=1)).isoformat()}
    assert (await wards.client.post(engagements, json=future, headers=wards.officer)).status_code == 422
    wrong = record | {"priority_id": "not-a-priority"}
    assert (await wards.client.post(engagements, json=wrong, headers=wards.officer)).status_code == 422
    assert [e["id"] for e in await wards.ok("GET", engagements, wards.officer)] == [made["id"]]


async def test_a_ward_sends_one_quarterly_update_a_quarter_and_only_its_own(wards: Wards):
    last_year = FinancialYear.of(today_in_london()).previous.label
    update = {
        "financial_year": last_year,
        "quarter": 2,
        "progress": "Both clear-ups held; the youth club opened on Fridays.",
        "spend_pence": 450_000,
        "issues": ["Mobile CCTV camera needed at the park"],
    }
    updates = f"/v1/wards/{BOSTON_CASTLE}/quarterly-updates"
    sent = await wards.ok("POST", updates, wards.member, update, expect=201)
    assert (sent["quarter"], sent["boundary_set"], sent["submitted_by"]) == (2, "WD24", "cllr-1")
    again = await wards.client.post(updates, json=update, headers=wards.officer)
    assert again.status_code == 409
    assert (await wards.client.post(updates, json=update | {"quarter": 5}, headers=wards.officer)).status_code == 422
    assert (
        await wards.client.post(updates, json=update | {"financial_year": "2019-21"}, headers=wards.officer)
    ).status_code == 422
    other = wards.as_("ward_member", subject="cllr-9", wards=[GREASBROUGH])
    assert (await wards.client.post(updates, json=update | {"quarter": 3}, headers=other)).status_code == 403
    assert (await wards.client.get(updates, headers=wards.as_("partner"))).status_code == 403
    assert [u["id"] for u in await wards.ok("GET", updates, wards.officer)] == [sent["id"]]
    ((event,),) = [await wards.events("wards.quarterly_update.submitted.v1")]
    assert event["data"] == {
        "update_id": sent["id"],
        "gss_code": BOSTON_CASTLE,
        "financial_year": last_year,
        "quarter": 2,
        "spend_pence": 450_000,
        "issue_count": 1,
    }
