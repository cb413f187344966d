"""The overdue quarterly update clock against the real database: a ward without its update for a quarter is
raised once per ward and quarter — also across a restart and with two instances judging at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from services.wards import clocks, handlers
from services.wards.app import definition
from services.wards.domain import QuarterlyUpdate
from shared.unit_of_work import Actor
from tests.support import COUNCIL, eventually, running_service

BOSTON_CASTLE, GREASBROUGH = "E05012996", "E05013001"
OVERDUE = "wards.quarterly_update.overdue.v1"


async def sql(app: FastAPI, query: str, **params: Any) -> list[tuple[Any, ...]]:
    async with app.state.runtime.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(query), params)).all()]


async def loaded(app: FastAPI) -> bool:
    return await sql(app, "SELECT count(*) FROM wards") == [(25,)]


async def sent(app: FastAPI, gss_code: str, year: str, quarter: int, at: datetime) -> None:
    """An update sent on a given day (the API stamps today; the clock is judged here on chosen days)."""
    update = QuarterlyUpdate(
        council=COUNCIL,
        gss_code=gss_code,
        boundary_set="WD24",
        financial_year=year,
        quarter=quarter,
        progress="On track",
        spend_pence=0,
        issues=[],
        submitted_by="test",
        submitted_at=at,
    )
    async with app.state.runtime.uow(Actor("test")) as uow:
        await uow.session.execute(
            text(
                "INSERT INTO quarterly_updates VALUES (:id, :council, :gss_code, :boundary_set, :financial_year,"
                " :quarter, :progress, :spend_pence, '[]'::jsonb, :submitted_by, :submitted_at)"
            ),
            {k: v for k, v in vars(update).items() if k != "issues"},
        )
        await uow.commit()


async def judge(app: FastAPI, today: date) -> list[str]:
    async with app.state.runtime.uow(clocks.SCHEDULER) as uow:
        return [gss_code for gss_code, _ in await handlers.raise_overdue_updates(uow, today)]


async def test_a_missing_quarterly_update_is_raised_once_per_ward_and_quarter_across_restarts_and_instances(
    settings_for_test,
):
    settings = settings_for_test("wards")
    q1_judged, q2_judged = date(2030, 8, 1), date(2030, 11, 1)  # Q1 due 31 July, Q2 due 31 October

    async with running_service(definition, settings) as (app, _):
        await eventually(lambda: loaded(app))
        # A council that has never sent an update here is not told every ward is late.
        assert await judge(app, q1_judged) == []

        await sent(app, GREASBROUGH, "2030-31", 1, datetime(2030, 7, 20, 9, tzinfo=UTC))
        raised = await judge(app, q1_judged)
        assert len(raised) == 24 and GREASBROUGH not in raised and BOSTON_CASTLE in raised
        assert await judge(app, q1_judged) == []
        assert await judge(app, date(2030, 10, 31)) == []  # still Q1 until Q2 falls due

        (data,) = [
            e["data"]
            for s, e in await sql(app, "SELECT subject, envelope FROM outbox WHERE event_type = :t", t=OVERDUE)
            if s == BOSTON_CASTLE
        ]
        assert data == {"gss_code": BOSTON_CASTLE, "financial_year": "2030-31", "quarter": 1, "due_on": "2030-07-31"}

    # Two instances on the same database, judging Q2 at the same moment, and again after a restart.
    async with (
        running_service(definition, settings) as (first, _),
        running_service(definition, settings) as (second, _),
    ):
        await sent(first, BOSTON_CASTLE, "2030-31", 2, datetime(2030, 10, 30, 9, tzinfo=UTC))
        assert await judge(second, q1_judged) == []  # what was raised stays raised
        one, other = await asyncio.gather(judge(first, q2_judged), judge(second, q2_judged))
        assert sorted(one + other) == sorted(set(one + other))  # no ward raised by both
        assert len(one + other) == 24 and BOSTON_CASTLE not in one + other and GREASBROUGH in one + other
        assert await judge(first, q2_judged) == [] and await judge(second, q2_judged) == []

        counts = await sql(
            first,
            "SELECT envelope->'data'->>'quarter', count(*) FROM outbox WHERE event_type = :t GROUP BY 1 ORDER BY 1",
            t=OVERDUE,
        )
        assert counts == [("1", 24), ("2", 24)]
        keys = await sql(
            first,
            "SELECT key FROM scheduled_occurrences WHERE kind = :k AND key LIKE :p ORDER BY key",
            k=handlers.UPDATE_OVERDUE,
            p=f"{GREASBROUGH}:%",
        )
        assert keys == [(f"{GREASBROUGH}:2030-31:Q2",)]
