"""The annual report on neighbourhood working for a financial year, counted in the database per ward and
rolled up per locality and council (``services.wards.domain.reports``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import NoBoundarySetInForce, boundary_set_in_force, dues_in
from services.wards.domain.reports import Figures, report_rows
from services.wards.handlers.budgets import boundary_sets_of
from services.wards.tables import engagements, quarterly_updates, ward_budgets, ward_meetings, ward_plans, wards
from shared.calendar import FinancialYear


async def annual_report(
    session: AsyncSession, council: str, year: FinancialYear, as_of: date
) -> tuple[str | None, list[Figures]]:
    """The year's figures; returns the boundary set in force on 1 April with the rows. A ward of another
    set appears when it has records in the year: every row names the set its ward belongs to."""
    try:
        in_force: str | None = boundary_set_in_force(await boundary_sets_of(session, council), year).code
    except NoBoundarySetInForce:
        in_force = None
    start, end = year.starts_on, min(year.ends_on, as_of)

    async def counts(query: object) -> dict[str, tuple[int, ...]]:
        return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in await session.execute(query)}  # type: ignore[call-overload]

    meetings = await counts(
        select(ward_meetings.c.gss_code, func.count())
        .where(ward_meetings.c.council == council, ward_meetings.c.held_on.between(start, end))
        .group_by(ward_meetings.c.gss_code)
    )
    engaged = await counts(
        select(engagements.c.gss_code, func.count(), func.sum(engagements.c.people_reached))
        .where(engagements.c.council == council, engagements.c.held_on.between(start, end))
        .group_by(engagements.c.gss_code)
    )
    plans = await counts(
        select(
            ward_plans.c.gss_code,
            func.count().filter(ward_plans.c.version == 1),
            func.count().filter(ward_plans.c.version > 1),
        )
        .where(ward_plans.c.council == council, ward_plans.c.published_on.between(start, end))
        .group_by(ward_plans.c.gss_code)
    )
    submitted: dict[str, set[int]] = {}
    for gss_code, quarter in await session.execute(
        select(quarterly_updates.c.gss_code, quarterly_updates.c.quarter).where(
            quarterly_updates.c.council == council, quarterly_updates.c.financial_year == year.label
        )
    ):
        submitted.setdefault(gss_code, set()).add(quarter)
    budgets: dict[str, dict[str, tuple[int, int]]] = {}
    for gss_code, kind, total, used in await session.execute(
        select(
            ward_budgets.c.gss_code,
            ward_budgets.c.kind,
            func.sum(ward_budgets.c.allocated_pence + ward_budgets.c.pooled_in_pence - ward_budgets.c.pooled_out_pence),
            func.sum(ward_budgets.c.committed_pence + ward_budgets.c.spent_pence),
        )
        .where(ward_budgets.c.council == council, ward_budgets.c.financial_year == year.label)
        .group_by(ward_budgets.c.gss_code, ward_budgets.c.kind)
    ):
        budgets.setdefault(gss_code, {})[kind] = (int(total), int(used))
    with_records = set(meetings) | set(engaged) | set(plans) | set(submitted) | set(budgets)
    due = dues_in(year, as_of)
    rows = []
    for ward in (
        await session.execute(
            select(wards.c.gss_code, wards.c.name, wards.c.locality, wards.c.boundary_set)
            .where(wards.c.local_authority_gss == council)
            .order_by(wards.c.gss_code)
        )
    ).all():
        if ward.boundary_set != in_force and ward.gss_code not in with_records and in_force is not None:
            continue
        figures = Figures(
            scope="ward", code=ward.gss_code, name=ward.name, locality=ward.locality, boundary_set=ward.boundary_set
        )
        figures.meetings_held = meetings.get(ward.gss_code, (0,))[0]
        figures.wards_behind_cadence = int(as_of > year.ends_on and figures.meetings_held < figures.meetings_expected)
        figures.engagements, figures.people_reached = engaged.get(ward.gss_code, (0, 0))
        figures.plans_published, figures.plans_refreshed = plans.get(ward.gss_code, (0, 0))
        sent = submitted.get(ward.gss_code, set())
        figures.updates_submitted = len(sent)
        figures.updates_missed = sum(1 for d in due if d.quarter not in sent)
        for kind, (total, used) in budgets.get(ward.gss_code, {}).items():
            figures.budget_pence[kind], figures.used_pence[kind] = total, used
        rows.append(figures)
    return in_force, report_rows(rows)
