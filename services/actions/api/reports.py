"""``/v1/plans/{id}/report``: the plan as at a date, rebuilt from what had been recorded by then; JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions import handlers, tables
from services.actions.api.access import Reader
from services.actions.api.schemas.reports import PlanReportOut
from services.actions.domain import Indicator, IndicatorValue, PlanAsAt, Progress, Reschedule, plan_as_at
from services.actions.handlers.records import actions_in, milestones_in, objectives_of, priorities_of
from shared.calendar import today_in_london
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["reports"])


async def report_as_at(session: AsyncSession, plan_id: str, council: str, as_at: date) -> PlanAsAt:
    plan = await handlers.plan_of(session, plan_id, council)
    actions = await actions_in(session, plan.id)
    progress = (
        await session.scalars(select(Progress).where(tables.progress_updates.c.action_id.in_([a.id for a in actions])))
    ).all()
    indicators = (
        await session.scalars(
            select(Indicator)
            .where(tables.indicators.c.plan_id == plan.id)
            .order_by(tables.indicators.c.title, tables.indicators.c.id)
        )
    ).all()
    return plan_as_at(
        plan,
        priorities=await priorities_of(session, plan.id),
        objectives=await objectives_of(session, plan.id),
        actions=actions,
        progress=progress,
        milestones=await milestones_in(session, plan.id),
        indicators=indicators,
        values=(
            await session.scalars(
                select(IndicatorValue).where(tables.indicator_values.c.indicator_id.in_([i.id for i in indicators]))
            )
        ).all(),
        as_at=as_at,
        reschedules=(
            await session.scalars(
                select(Reschedule).where(tables.action_reschedules.c.action_id.in_([a.id for a in actions]))
            )
        ).all(),
    )


@router.get(
    "/plans/{plan_id}/report",
    summary="The plan as at a date: RAG by theme and priority, milestones overdue then, indicator values then",
    response_model=PlanReportOut,
    responses={200: {"content": {"text/csv": {}}}},
)
async def get_report(
    plan_id: str,
    runtime: RuntimeDep,
    principal: Reader,
    as_at: Annotated[date | None, Query(description="The date (Europe/London); today when omitted.")] = None,
    format: Annotated[Literal["json", "csv"], Query(description="json, or csv with the same figures.")] = "json",
) -> PlanReportOut | Response:
    async with runtime.sessions() as session:
        report = PlanReportOut.of(await report_as_at(session, plan_id, principal.council, as_at or today_in_london()))
    if format == "csv":
        filename = f"plan-{report.plan_id}-as-at-{report.as_at}.csv"
        return Response(
            report.csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return report
