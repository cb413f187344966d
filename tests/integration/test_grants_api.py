"""Grants through its HTTP API, with the wards service running alongside to publish real ward events.

Grants starts first, so its ward-directory queue exists before wards publishes
the 25 Rotherham wards; grants' copy of the ward list is then built only from
``wards.ward.registered.v1`` events, never from the wards database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.grants.app import definition as grants_definition
from services.wards.app import definition as wards_definition
from shared.calendar import FinancialYear, today_in_london
from shared.settings import Settings
from tests.support import COUNCIL, OTHER_COUNCIL, eventually, running_service, token

BOSTON_CASTLE, KEPPEL = "E05012996", "E05013004"
LEEDS_WARD = "E05011111"
THEME = "Bringing people together"


@dataclass
class Grants:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    wards: httpx.AsyncClient
    wards_settings: Settings

    def as_(self, *roles: str, **claims: Any) -> dict[str, str]:
        return token(self.settings, *roles, **claims)

    @property
    def officer(self) -> dict[str, str]:
        return self.as_("officer", subject="officer-1")

    @property
    def group(self) -> dict[str, str]:
        return self.as_("applicant", subject="group-1", organisation="Eastwood Community Group")

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.app.state.runtime.engine.connect() as conn:
            return list((await conn.execute(text(statement), params)).all())


def current_financial_year() -> str:
    return FinancialYear.of(today_in_london()).label


async def ward_count(grants_app: FastAPI, council: str = COUNCIL) -> int:
    async with grants_app.state.runtime.engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    text("SELECT count(*) FROM known_wards WHERE local_authority_gss = :c"), {"c": council}
                )
            ).scalar_one()
        )


@pytest.fixture
async def grants(settings_for_test) -> AsyncIterator[Grants]:
    settings, wards_settings = settings_for_test("grants"), settings_for_test("wards")
    # Grants first: its queue must be bound before wards publishes.
    async with (
        running_service(grants_definition, settings) as (app, client),
        running_service(wards_definition, wards_settings) as (_, wards_client),
    ):
        await eventually(lambda: _has_all_wards(app))
        yield Grants(app, client, settings, wards_client, wards_settings)


async def _has_all_wards(app: FastAPI) -> bool:
    return await ward_count(app) == 25


def bsc_fund(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Building Stronger Communities small grants",
        "description": "Small grants for community-led activity",
        "themes": [THEME, "A strong civic community and pride of place"],
        "opens_on": "2017-06-01",
        "closes_on": "2018-03-31",
        "maximum_award_pence": 100_000,
        "eligibility": "Voluntary and community groups working in Rotherham",
        "panel_name": "Stronger Communities Forum",
        "contributions": [
            {"funder_name": "Rotherham Metropolitan Borough Council", "amount_pence": 500_000},
            {"funder_name": "Rotherham Together Partnership", "amount_pence": 500_000},
        ],
    }
    body.update(overrides)
    return body


def an_application(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": {
            "name": "Eastwood Community Group",
            "type": "community_group",
            "contact": {"name": "A. Person", "email": "contact@example.org", "phone": "01709 000000"},
        },
        "title": "Let's get Rotherham talking",
        "summary": "Street events bringing neighbours together",
        "amount_requested_pence": 80_000,
        "ward_codes": [BOSTON_CASTLE],
        "theme": THEME,
    }
    body.update(overrides)
    return body


async def open_fund(g: Grants, **overrides: Any) -> dict[str, Any]:
    created = await g.client.post("/v1/funds", json=bsc_fund(**overrides), headers=g.officer)
    assert created.status_code == 201, created.text
    opened = await g.client.post(f"/v1/funds/{created.json()['id']}/open", headers=g.officer)
    assert opened.status_code == 200, opened.text
    return dict(opened.json())


async def apply(g: Grants, fund_id: str, headers: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    response = await g.client.post(
        f"/v1/funds/{fund_id}/applications", json=an_application(**overrides), headers=headers or g.group
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def assert_problem(response: httpx.Response, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = dict(response.json())
    assert problem["title"] == title
    return problem


# --- First slice ----------------------------------------------------------------------------------


async def test_the_ward_directory_is_built_from_the_wards_services_events(grants):
    rows = await grants.sql(
        "SELECT name, local_authority_gss, boundary_set FROM known_wards WHERE gss_code = :c", c=BOSTON_CASTLE
    )
    assert rows == [("Boston Castle", COUNCIL, "WD24")]
    processed = await grants.sql(
        "SELECT count(*) FROM inbox WHERE consumer = 'grants.ward-directory' AND event_type = 'wards.ward.registered.v1'"
    )
    assert processed == [(25,)]

    # A renamed ward reaches grants' copy through its event too.
    renamed = await grants.wards.post(
        "/v1/wards",
        json=[
            {
                "gss_code": BOSTON_CASTLE,
                "name": "Boston Castle & Clifton",
                "local_authority_name": "Rotherham",
                "boundary_set": "WD24",
            }
        ],
        headers=token(grants.wards_settings, "officer"),
    )
    assert renamed.status_code == 201

    async def renamed_in_grants() -> bool:
        rows = await grants.sql("SELECT name FROM known_wards WHERE gss_code = :c", c=BOSTON_CASTLE)
        return rows == [("Boston Castle & Clifton",)]

    await eventually(renamed_in_grants)
    assert await ward_count(grants.app) == 25


async def test_a_fund_is_created_with_its_contributions_and_totals(grants):
    created = await grants.client.post("/v1/funds", json=bsc_fund(), headers=grants.officer)
    assert created.status_code == 201, created.text
    fund = created.json()
    assert (fund["status"], fund["council"], fund["panel_name"]) == ("draft", COUNCIL, "Stronger Communities Forum")
    # A draft is not published yet: an applicant does not see it at all.
    assert_problem(await grants.client.get(f"/v1/funds/{fund['id']}", headers=grants.group), 404, "Fund not found")
    fetched = (await grants.client.get(f"/v1/funds/{fund['id']}", headers=grants.officer)).json()
    assert fetched["total_contributions_pence"] == 1_000_000
    assert fetched["available_pence"] == 1_000_000
    assert [(c["funder_name"], c["amount_pence"]) for c in fetched["contributions"]] == [
        ("Rotherham Metropolitan Borough Council", 500_000),
        ("Rotherham Together Partnership", 500_000),
    ]
    listed = (await grants.client.get("/v1/funds?status=draft", headers=grants.officer)).json()
    assert [f["id"] for f in listed["items"]] == [fund["id"]]
    created_events = await grants.sql("SELECT subject, council FROM outbox WHERE event_type = 'grants.fund.created.v1'")
    assert created_events == [(fund["id"], COUNCIL)]


async def test_only_an_officer_creates_a_fund(grants):
    refused = await grants.client.post("/v1/funds", json=bsc_fund(), headers=grants.group)
    assert_problem(refused, 403, "Forbidden")


async def test_opening_a_fund_publishes_fund_opened_exactly_once(grants):
    fund = await open_fund(grants)
    assert fund["status"] == "open"

    again = await grants.client.post(f"/v1/funds/{fund['id']}/open", headers=grants.officer)
    problem = assert_problem(again, 409, "Illegal transition")
    assert (problem["current_state"], problem["attempted_action"]) == ("open", "open")

    rows = await grants.sql("SELECT subject, envelope FROM outbox WHERE event_type = 'grants.fund.opened.v1'")
    assert len(rows) == 1
    subject, envelope = rows[0]
    assert subject == fund["id"]
    assert envelope["data"]["fund_id"] == fund["id"]
    assert envelope["council"] == COUNCIL

    async def published() -> bool:
        sent = await grants.sql(
            "SELECT count(*) FROM outbox WHERE event_type = 'grants.fund.opened.v1' AND published_at IS NOT NULL"
        )
        return sent == [(1,)]

    await eventually(published)


async def test_an_application_naming_unknown_wards_is_refused_naming_the_codes(grants):
    # A Leeds ward, known to grants from its own event, is still not a ward of Rotherham's fund.
    leeds = await grants.wards.post(
        "/v1/wards",
        json=[{"gss_code": LEEDS_WARD, "name": "Armley", "local_authority_name": "Leeds", "boundary_set": "WD24"}],
        headers=token(grants.wards_settings, "officer", council=OTHER_COUNCIL),
    )
    assert leeds.status_code == 201
    await eventually(lambda: _ward_known(grants, LEEDS_WARD))
    fund = await open_fund(grants)

    refused = await grants.client.post(
        f"/v1/funds/{fund['id']}/applications",
        json=an_application(ward_codes=[BOSTON_CASTLE, "E05099999", LEEDS_WARD]),
        headers=grants.group,
    )
    problem = assert_problem(refused, 422, "Unknown wards")
    assert problem["unknown_ward_codes"] == [LEEDS_WARD, "E05099999"]
    assert "E05099999" in problem["detail"]
    assert await grants.sql("SELECT count(*) FROM applications") == [(0,)]


async def _ward_known(g: Grants, code: str) -> bool:
    return bool(await g.sql("SELECT 1 FROM known_wards WHERE gss_code = :c", c=code))


async def test_an_application_breaking_the_funds_terms_is_refused_naming_the_field(grants):
    fund = await open_fund(grants)
    too_much = await grants.client.post(
        f"/v1/funds/{fund['id']}/applications",
        json=an_application(amount_requested_pence=100_001),
        headers=grants.group,
    )
    assert assert_problem(too_much, 422, "Invalid application")["field"] == "amount_requested_pence"
    wrong_theme = await grants.client.post(
        f"/v1/funds/{fund['id']}/applications", json=an_application(theme="Roads"), headers=grants.group
    )
    assert assert_problem(wrong_theme, 422, "Invalid application")["field"] == "theme"


async def test_applying_to_a_fund_that_is_not_open_is_refused_naming_its_state(grants):
    draft = (await grants.client.post("/v1/funds", json=bsc_fund(), headers=grants.officer)).json()
    refused = await grants.client.post(
        f"/v1/funds/{draft['id']}/applications", json=an_application(), headers=grants.officer
    )
    assert assert_problem(refused, 409, "Fund not open")["fund_status"] == "draft"
    # To an applicant an unpublished (draft) fund does not exist.
    hidden = await grants.client.post(
        f"/v1/funds/{draft['id']}/applications", json=an_application(), headers=grants.group
    )
    assert_problem(hidden, 404, "Fund not found")

    fund = await open_fund(grants)
    closed = await grants.client.post(f"/v1/funds/{fund['id']}/close", headers=grants.officer)
    assert closed.json()["status"] == "closed"
    refused = await grants.client.post(
        f"/v1/funds/{fund['id']}/applications", json=an_application(), headers=grants.group
    )
    problem = assert_problem(refused, 409, "Fund not open")
    assert problem["fund_status"] == "closed"
    assert "closed" in problem["detail"]
    assert await grants.sql("SELECT count(*) FROM outbox WHERE event_type = 'grants.fund.closed.v1'") == [(1,)]


async def test_submitting_an_application_publishes_it_without_personal_data(grants):
    fund = await open_fund(grants)
    application = await apply(grants, fund["id"], ward_codes=[BOSTON_CASTLE, KEPPEL])
    assert application["status"] == "draft"
    assert application["organisation"]["contact_email"] == "contact@example.org"

    submitted = await grants.client.post(f"/v1/applications/{application['id']}/submit", headers=grants.group)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"

    rows = await grants.sql("SELECT envelope FROM outbox WHERE event_type = 'grants.application.submitted.v1'")
    assert len(rows) == 1
    data = rows[0][0]["data"]
    assert data == {
        "application_id": application["id"],
        "fund_id": fund["id"],
        "amount_requested_pence": 80_000,
        "ward_codes": [BOSTON_CASTLE, KEPPEL],
        "theme": THEME,
    }
    every_envelope = str(await grants.sql("SELECT envelope FROM outbox"))
    assert "contact@example.org" not in every_envelope and "A. Person" not in every_envelope

    again = await grants.client.post(f"/v1/applications/{application['id']}/submit", headers=grants.group)
    assert assert_problem(again, 409, "Illegal transition")["current_state"] == "submitted"


async def test_an_applicant_sees_and_changes_only_their_own_applications(grants):
    fund = await open_fund(grants)
    mine = await apply(grants, fund["id"])
    other_group = grants.as_("applicant", subject="group-2")
    theirs = await apply(grants, fund["id"], headers=other_group, title="Another project")

    listed = (await grants.client.get("/v1/applications", headers=grants.group)).json()["items"]
    assert [a["id"] for a in listed] == [mine["id"]]
    assert (await grants.client.get(f"/v1/applications/{theirs['id']}", headers=grants.group)).status_code == 404
    sneaky = await grants.client.post(f"/v1/applications/{theirs['id']}/submit", headers=grants.group)
    assert_problem(sneaky, 404, "Application not found")

    revised = await grants.client.patch(
        f"/v1/applications/{mine['id']}", json={"amount_requested_pence": 60_000}, headers=grants.group
    )
    assert revised.json()["amount_requested_pence"] == 60_000

    officers_view = (await grants.client.get(f"/v1/applications?fund_id={fund['id']}", headers=grants.officer)).json()
    assert {a["id"] for a in officers_view["items"]} == {mine["id"], theirs["id"]}


async def test_another_councils_officer_gets_404_for_rotherhams_fund_and_applications(grants):
    fund = await open_fund(grants)
    application = await apply(grants, fund["id"])
    leeds = grants.as_("officer", council=OTHER_COUNCIL, organisation="Leeds City Council")

    assert_problem(await grants.client.get(f"/v1/funds/{fund['id']}", headers=leeds), 404, "Fund not found")
    assert_problem(await grants.client.post(f"/v1/funds/{fund['id']}/close", headers=leeds), 404, "Fund not found")
    assert_problem(
        await grants.client.get(f"/v1/applications/{application['id']}", headers=leeds), 404, "Application not found"
    )
    assert_problem(
        await grants.client.post(f"/v1/funds/{fund['id']}/applications", json=an_application(), headers=leeds),
        404,
        "Fund not found",
    )
    assert (await grants.client.get("/v1/funds", headers=leeds)).json()["items"] == []
    assert (await grants.client.get("/v1/applications", headers=leeds)).json()["items"] == []
    assert (await grants.client.get(f"/v1/funds/{fund['id']}", headers=grants.officer)).json()["status"] == "open"


# --- Lifecycle, assessment, ledger, payments, report -----------------------------------------------

MARKS = {"community benefit": 4, "need": 3, "deliverability": 4, "value for money": 3}


async def score(g: Grants, application_id: str, member: str) -> httpx.Response:
    return await g.client.put(
        f"/v1/applications/{application_id}/scores/mine",
        json={"marks": MARKS, "comments": {"need": "Clear local need"}},
        headers=g.as_("forum_member", subject=member),
    )


async def submitted_and_assessed(g: Grants, fund_id: str, **overrides: Any) -> str:
    application = await apply(g, fund_id, **overrides)
    app_id = application["id"]
    assert (await g.client.post(f"/v1/applications/{app_id}/submit", headers=g.group)).status_code == 200
    started = await g.client.post(f"/v1/applications/{app_id}/assessment", headers=g.officer)
    assert started.json()["status"] == "in_assessment", started.text
    return app_id


async def test_a_grant_goes_from_application_to_closure_with_quorum_conflicts_and_tranches(grants):
    fund = await open_fund(grants)
    app_id = await submitted_and_assessed(grants, fund["id"], ward_codes=[BOSTON_CASTLE, KEPPEL])
    url = f"/v1/applications/{app_id}"

    # A conflicted member cannot score and does not count toward the quorum of 3.
    assert (await score(grants, app_id, "member-1")).status_code == 200
    conflict = await grants.client.post(
        f"{url}/conflicts",
        json={"reason": "Trustee of the applicant"},
        headers=grants.as_("forum_member", subject="member-1"),
    )
    assert conflict.json()["scores"] == []
    assert_problem(await score(grants, app_id, "member-1"), 409, "Conflict of interest")
    for member in ("member-2", "member-3", "member-2"):
        assert (await score(grants, app_id, member)).status_code == 200
    staff_view = (await grants.client.get(url, headers=grants.officer)).json()
    assert sorted(s["member"] for s in staff_view["scores"]) == ["member-2", "member-3"]
    assert (staff_view["conflicts_declared"], staff_view["average_score"]) == (1, 14)

    recommended = await grants.client.post(
        f"{url}/recommendation", json={"recommended": True, "reasons": "Meets the criteria"}, headers=grants.officer
    )
    assert recommended.json()["status"] == "recommended"
    decision = {"outcome": "approved", "reasons": "Strong community benefit"}
    short = await grants.client.post(f"{url}/decision", json=decision, headers=grants.officer)
    assert (assert_problem(short, 409, "Quorum not met")["scored"], short.json()["quorum"]) == (2, 3)

    assert (await score(grants, app_id, "member-4")).status_code == 200
    approved = await grants.client.post(f"{url}/decision", json=decision, headers=grants.officer)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["amount_awarded_pence"], body["decision_reasons"]) == (
        "approved",
        80_000,
        "Strong community benefit",
    )
    assert sorted(s["amount_pence"] for s in body["funder_shares"]) == [40_000, 40_000]

    # The applicant sees its decision but not who scored what.
    own_view = (await grants.client.get(url, headers=grants.group)).json()
    assert (own_view["status"], own_view["scores"]) == ("approved", [])

    offered = await grants.client.post(
        f"{url}/offer",
        json={
            "conditions": ["Monitoring report by 31 March"],
            "tranches": [{"amount_pence": 50_000}, {"amount_pence": 30_000}],
        },
        headers=grants.officer,
    )
    assert offered.json()["status"] == "offered", offered.text
    assert (await grants.client.post(f"{url}/accept", headers=grants.group)).json()["status"] == "accepted"

    finance = grants.as_("finance", subject="finance-1")
    unapproved = await grants.client.post(f"{url}/tranches/1/pay", headers=finance)
    assert assert_problem(unapproved, 409, "Illegal transition")["current_state"] == "planned"
    assert_problem(await grants.client.post(f"{url}/tranches/1/approve", headers=grants.officer), 403, "Forbidden")
    for n in (1, 2):
        assert (await grants.client.post(f"{url}/tranches/{n}/approve", headers=finance)).status_code == 200
        paid = await grants.client.post(f"{url}/tranches/{n}/pay", headers=finance)
        assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["amount_paid_pence"]) == ("paid", 80_000)

    late = await grants.client.post(f"{url}/withdraw", headers=grants.group)
    assert assert_problem(late, 409, "Illegal transition")["current_state"] == "paid"
    assert (await grants.client.post(f"{url}/monitoring", headers=grants.officer)).json()["status"] == "monitoring"
    early = await grants.client.post(f"{url}/close", headers=grants.officer)
    assert_problem(early, 409, "Final report outstanding")
    final = await grants.client.post(
        f"{url}/monitoring-reports",
        json={
            "financial_year": current_financial_year(),
            "summary": "Four street events",
            "spend_to_date_pence": 80_000,
            "beneficiaries_reached": 240,
            "final": True,
        },
        headers=grants.group,
    )
    assert final.status_code == 201, final.text
    accepted = await grants.client.post(
        f"{url}/monitoring-reports/{final.json()['id']}/review", json={"outcome": "accepted"}, headers=grants.officer
    )
    assert accepted.json()["status"] == "accepted", accepted.text
    assert (await grants.client.post(f"{url}/close", headers=grants.officer)).json()["status"] == "closed"

    report = (await grants.client.get(f"/v1/funds/{fund['id']}/report", headers=grants.officer)).json()
    assert (
        report["contributed_pence"],
        report["committed_pence"],
        report["paid_pence"],
        report["available_pence"],
    ) == (
        1_000_000,
        80_000,
        80_000,
        920_000,
    )
    assert [(f["committed_pence"], f["paid_pence"], f["available_pence"]) for f in report["funders"]] == [
        (40_000, 40_000, 460_000),
        (40_000, 40_000, 460_000),
    ]
    assert {w["key"]: w["amount_pence"] for w in report["by_ward"]} == {BOSTON_CASTLE: 40_000, KEPPEL: 40_000}
    assert report["by_theme"] == [{"key": THEME, "awards": 1, "amount_pence": 80_000}]

    types = [
        row[0] for row in await grants.sql("SELECT event_type FROM outbox WHERE subject = :s ORDER BY seq", s=app_id)
    ]
    assert types == [
        "grants.application.created.v1",
        "grants.application.submitted.v1",
        "grants.application.assessment_started.v1",
        "grants.application.scored.v1",
        "grants.application.conflict_declared.v1",
        "grants.application.scored.v1",
        "grants.application.scored.v1",
        "grants.application.scored.v1",
        "grants.application.recommended.v1",
        "grants.application.scored.v1",
        "grants.application.approved.v1",
        "grants.application.offered.v1",
        "grants.application.accepted.v1",
        "grants.application.tranche_approved.v1",
        "grants.application.tranche_paid.v1",
        "grants.application.tranche_approved.v1",
        "grants.application.tranche_paid.v1",
        "grants.application.paid.v1",
        "grants.application.monitoring_started.v1",
        "grants.monitoring.report_submitted.v1",
        "grants.monitoring.report_reviewed.v1",
        "grants.application.closed.v1",
    ]
    audited = await grants.sql("SELECT actor FROM audit_log WHERE action = 'grants.application.decide'")
    assert audited == [("officer-1",)]


async def test_concurrent_awards_never_overcommit_the_fund_and_the_ledger_balances(grants):
    # £60 + £40 of contributions: room for exactly four awards of £25.
    fund = await open_fund(
        grants,
        quorum=1,
        maximum_award_pence=2_500,
        contributions=[
            {"funder_name": "Rotherham Metropolitan Borough Council", "amount_pence": 6_000},
            {"funder_name": "Rotherham Together Partnership", "amount_pence": 4_000},
        ],
    )
    app_ids = []
    for n in range(10):
        app_id = await submitted_and_assessed(grants, fund["id"], amount_requested_pence=2_500, title=f"Project {n}")
        assert (await score(grants, app_id, "member-1")).status_code == 200
        recommended = await grants.client.post(
            f"/v1/applications/{app_id}/recommendation",
            json={"recommended": True, "reasons": "ok"},
            headers=grants.officer,
        )
        assert recommended.status_code == 200
        app_ids.append(app_id)

    decisions = await asyncio.gather(
        *(
            grants.client.post(
                f"/v1/applications/{app_id}/decision",
                json={"outcome": "approved", "reasons": "Panel meeting"},
                headers=grants.officer,
            )
            for app_id in app_ids
        )
    )
    codes = sorted(r.status_code for r in decisions)
    assert codes == [200] * 4 + [409] * 6
    assert {r.json()["title"] for r in decisions if r.status_code == 409} == {"Fund overcommitted"}

    ledger = await grants.sql(
        "SELECT c.amount_pence, c.committed_pence, coalesce(sum(m.amount_pence - m.released_pence), 0) "
        "FROM contributions c LEFT JOIN commitments m ON m.contribution_id = c.id "
        "WHERE c.fund_id = :f GROUP BY c.id, c.amount_pence, c.committed_pence ORDER BY c.position",
        f=fund["id"],
    )
    assert ledger == [(6_000, 6_000, 6_000), (4_000, 4_000, 4_000)]
    assert await grants.sql("SELECT count(*) FROM applications WHERE status = 'approved'") == [(4,)]
    assert await grants.sql("SELECT count(*) FROM outbox WHERE event_type = 'grants.application.approved.v1'") == [(4,)]

    # Withdrawing one award gives its money back, and a fifth award now fits.
    winner = next(a for a, r in zip(app_ids, decisions, strict=True) if r.status_code == 200)
    loser = next(a for a, r in zip(app_ids, decisions, strict=True) if r.status_code == 409)
    withdrawn = await grants.client.post(f"/v1/applications/{winner}/withdraw", headers=grants.group)
    assert withdrawn.json()["status"] == "withdrawn", withdrawn.text
    assert (await grants.client.get(f"/v1/funds/{fund['id']}", headers=grants.officer)).json()[
        "available_pence"
    ] == 2_500
    late = await grants.client.post(
        f"/v1/applications/{loser}/decision",
        json={"outcome": "approved", "reasons": "Money released"},
        headers=grants.officer,
    )
    assert late.json()["status"] == "approved", late.text
    funders = (await grants.client.get(f"/v1/funds/{fund['id']}", headers=grants.officer)).json()["contributions"]
    assert [(c["committed_pence"], c["available_pence"]) for c in funders] == [(6_000, 0), (4_000, 0)]
