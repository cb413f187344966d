"""Grants' two clocks against the real database and broker: funds open and close on their dates, and
live grants are told once that a monitoring report is due and once that it is overdue, even across
a restart of the service.

The scheduled jobs are called through the running app's runtime with explicit dates, exactly as
``services/grants/app.py`` calls them with today's date in Europe/London.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI

from services.grants import handlers
from services.grants.app import definition as grants_definition
from services.grants.clocks import SCHEDULER
from services.wards.app import definition as wards_definition
from shared.calendar import FinancialYear, today_in_london
from tests.integration.test_grants_api import (
    Grants,
    _has_all_wards,
    assert_problem,
    bsc_fund,
    open_fund,
)
from tests.integration.test_grants_api import grants as grants  # a fixture, used by name
from tests.integration.test_grants_open_data import awarded
from tests.support import COUNCIL, eventually, running_service

OPENED, CLOSED = "grants.fund.opened.v1", "grants.fund.closed.v1"
DUE, OVERDUE = "grants.monitoring.report_due.v1", "grants.monitoring.report_overdue.v1"


async def funds_on_their_dates(app: FastAPI, today: date) -> tuple[list[str], list[str]]:
    async with app.state.runtime.uow(SCHEDULER) as uow:
        opened, closed = await handlers.open_and_close_funds(uow, today)
    return [f.id for f in opened], [f.id for f in closed]


async def monitoring_notices(app: FastAPI, today: date, notice_days: int = 30) -> list[tuple[str, str, str]]:
    async with app.state.runtime.uow(SCHEDULER) as uow:
        return await handlers.raise_monitoring_notices(uow, today, notice_days)


async def events(g: Grants, event_type: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (subject, envelope)
        for subject, envelope in await g.sql(
            "SELECT subject, envelope FROM outbox WHERE event_type = :t ORDER BY seq", t=event_type
        )
    ]


async def fund_status(g: Grants, fund_id: str) -> str:
    return str((await g.client.get(f"/v1/funds/{fund_id}", headers=g.officer)).json()["status"])


# --- Funds open and close on their dates ------------------------------------------------------------


async def test_a_draft_fund_opens_on_its_opening_date_once_and_closes_the_day_after_its_closing_date(grants):
    created = await grants.client.post(
        "/v1/funds", json=bsc_fund(opens_on="2030-04-01", closes_on="2030-06-30"), headers=grants.officer
    )
    fund_id = created.json()["id"]
    # Drafted and never opened: its dates both passed, so it does not open late by itself.
    stale = (await grants.client.post("/v1/funds", json=bsc_fund(), headers=grants.officer)).json()["id"]

    assert await funds_on_their_dates(grants.app, date(2030, 3, 31)) == ([], [])
    assert await fund_status(grants, fund_id) == "draft"

    assert await funds_on_their_dates(grants.app, date(2030, 4, 1)) == ([fund_id], [])
    assert await fund_status(grants, fund_id) == "open"
    assert await fund_status(grants, stale) == "draft"
    opened = await events(grants, OPENED)
    assert [subject for subject, _ in opened] == [fund_id]
    assert opened[0][1]["data"]["fund_id"] == fund_id
    assert opened[0][1]["council"] == COUNCIL
    audited = await grants.sql(
        "SELECT actor FROM audit_log WHERE action = 'grants.fund.open' AND subject = :f", f=fund_id
    )
    assert audited == [(SCHEDULER.subject,)]

    # Running again, the same day or later in the window, changes nothing.
    assert await funds_on_their_dates(grants.app, date(2030, 4, 1)) == ([], [])
    assert await funds_on_their_dates(grants.app, date(2030, 6, 30)) == ([], [])
    assert len(await events(grants, OPENED)) == 1
    assert await events(grants, CLOSED) == []
    assert await fund_status(grants, fund_id) == "open"

    assert await funds_on_their_dates(grants.app, date(2030, 7, 1)) == ([], [fund_id])
    assert await fund_status(grants, fund_id) == "closed"
    assert await funds_on_their_dates(grants.app, date(2030, 7, 2)) == ([], [])
    closed = await events(grants, CLOSED)
    assert [subject for subject, _ in closed] == [fund_id]
    assert len(await events(grants, OPENED)) == 1

    async def relayed() -> bool:
        rows = await grants.sql(
            "SELECT count(*) FROM outbox WHERE event_type IN (:o, :c) AND published_at IS NULL", o=OPENED, c=CLOSED
        )
        return rows == [(0,)]

    await eventually(relayed)


async def test_a_fund_opened_early_by_command_is_not_opened_again_and_closes_on_its_date(grants):
    fund = await open_fund(grants, opens_on="2030-04-01", closes_on="2030-06-30")
    assert await funds_on_their_dates(grants.app, date(2030, 4, 1)) == ([], [])
    assert await funds_on_their_dates(grants.app, date(2030, 7, 1)) == ([], [fund["id"]])
    assert [len(await events(grants, t)) for t in (OPENED, CLOSED)] == [1, 1]
    again = await grants.client.post(f"/v1/funds/{fund['id']}/close", headers=grants.officer)
    assert assert_problem(again, 409, "Illegal transition")["current_state"] == "closed"


async def test_a_fund_due_to_open_without_contributions_stays_a_draft(grants):
    created = await grants.client.post(
        "/v1/funds",
        json=bsc_fund(opens_on="2030-04-01", closes_on="2030-06-30", contributions=[]),
        headers=grants.officer,
    )
    fund_id = created.json()["id"]
    assert await funds_on_their_dates(grants.app, date(2030, 4, 1)) == ([], [])
    assert await funds_on_their_dates(grants.app, date(2030, 4, 2)) == ([], [])
    assert await fund_status(grants, fund_id) == "draft"
    assert await events(grants, OPENED) == []
    warned = await grants.sql("SELECT key FROM scheduled_occurrences WHERE kind = :k", k=handlers.CANNOT_OPEN)
    assert warned == [(fund_id,)]


# --- Monitoring notices, exactly once, across restarts -----------------------------------------------


async def notice_counts(g: Grants) -> dict[str, int]:
    rows = await g.sql(
        "SELECT event_type, count(*) FROM outbox WHERE event_type IN (:d, :o) GROUP BY event_type", d=DUE, o=OVERDUE
    )
    return {DUE: 0, OVERDUE: 0} | {t: n for t, n in rows}


async def test_report_due_and_overdue_are_published_exactly_once_each_also_across_a_restart(settings_for_test):
    settings, wards_settings = settings_for_test("grants"), settings_for_test("wards")
    year = FinancialYear.of(today_in_london())
    before_window = year.ends_on - timedelta(days=31)
    in_window = year.ends_on - timedelta(days=10)
    after_year_end = year.ends_on + timedelta(days=1)

    async with (
        running_service(grants_definition, settings) as (app, client),
        running_service(wards_definition, wards_settings) as (_, wards_client),
    ):
        await eventually(lambda: _has_all_wards(app))
        g = Grants(app, client, settings, wards_client, wards_settings)
        fund = await open_fund(g, quorum=1)
        owing = await awarded(g, fund["id"], amount_pence=80_000, pay=True, title="Owes its report")
        reported = await awarded(g, fund["id"], amount_pence=10_000, pay=True, title="Reports on time")
        unpaid = await awarded(g, fund["id"], amount_pence=10_000, title="Accepted, nothing paid yet")
        assert (owing["status"], reported["status"], unpaid["status"]) == ("paid", "paid", "accepted")
        filed = await g.client.post(
            f"/v1/applications/{reported['id']}/monitoring-reports",
            json={
                "financial_year": year.label,
                "summary": "Two events held",
                "spend_to_date_pence": 10_000,
                "beneficiaries_reached": 50,
            },
            headers=g.group,
        )
        assert filed.status_code == 201, filed.text

        assert await monitoring_notices(app, before_window) == []
        assert await notice_counts(g) == {DUE: 0, OVERDUE: 0}

        await monitoring_notices(app, in_window)
        assert await notice_counts(g) == {DUE: 1, OVERDUE: 0}
        assert await monitoring_notices(app, in_window) == []
        assert await monitoring_notices(app, year.ends_on) == []
        assert await notice_counts(g) == {DUE: 1, OVERDUE: 0}

        await monitoring_notices(app, after_year_end)
        assert await notice_counts(g) == {DUE: 1, OVERDUE: 1}
        assert await monitoring_notices(app, after_year_end + timedelta(days=30)) == []

        ((due_subject, due),) = await events(g, DUE)
        ((overdue_subject, overdue),) = await events(g, OVERDUE)
        assert due_subject == overdue_subject == owing["id"]
        expected = {
            "application_id": owing["id"],
            "fund_id": fund["id"],
            "financial_year": year.label,
            "due_on": year.ends_on.isoformat(),
        }
        assert due["data"] == overdue["data"] == expected
        assert "contact@example.org" not in str(due) + str(overdue)

    # A new instance of the service on the same databases: what was raised stays raised.
    async with running_service(grants_definition, settings) as (app, client):
        g = Grants(app, client, settings, wards_client, wards_settings)
        assert await monitoring_notices(app, in_window) == []
        assert await monitoring_notices(app, after_year_end) == []
        assert await notice_counts(g) == {DUE: 1, OVERDUE: 1}
        rows = await g.sql(
            "SELECT kind, key FROM scheduled_occurrences WHERE kind LIKE 'grants.monitoring.%' ORDER BY kind"
        )
        assert rows == [
            (handlers.REPORT_DUE, f"{owing['id']}:{year.label}"),
            (handlers.REPORT_OVERDUE, f"{owing['id']}:{year.label}"),
        ]

        async def relayed() -> bool:
            rows = await g.sql(
                "SELECT count(*) FROM outbox WHERE event_type IN (:d, :o) AND published_at IS NOT NULL",
                d=DUE,
                o=OVERDUE,
            )
            return rows == [(2,)]

        await eventually(relayed)
