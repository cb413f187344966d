"""The plan's records loaded by id within the caller's council: another council's record is not found."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions import tables
from services.actions.domain import Action, Indicator, IndicatorValue, Milestone, Plan
from shared.rules import NotFound


async def plan_of(session: AsyncSession, plan_id: str, council: str) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.council != council:
        raise NotFound("plan", plan_id)
    return plan


async def action_of(session: AsyncSession, action_id: str, council: str, *, for_update: bool = False) -> Action:
    action = await session.get(Action, action_id, with_for_update=for_update)
    if action is None or action.council != council:
        raise NotFound("action", action_id)
    return action


async def milestone_of(
    session: AsyncSession, milestone_id: str, council: str, *, for_update: bool = False
) -> Milestone:
    # Locked when completing, so a user and the event consumer cannot both complete it.
    milestone = await session.get(Milestone, milestone_id, with_for_update=for_update)
    if milestone is None or milestone.council != council:
        raise NotFound("milestone", milestone_id)
    return milestone


async def indicator_of(
    session: AsyncSession, indicator_id: str, council: str, *, for_update: bool = False
) -> Indicator:
    indicator = await session.get(Indicator, indicator_id, with_for_update=for_update)
    if indicator is None or indicator.council != council:
        raise NotFound("indicator", indicator_id)
    return indicator


async def values_of(session: AsyncSession, indicator_id: str) -> list[IndicatorValue]:
    return list(
        (
            await session.scalars(
                select(IndicatorValue)
                .where(tables.indicator_values.c.indicator_id == indicator_id)
                .order_by(tables.indicator_values.c.period_end)
            )
        ).all()
    )


async def lead_organisations(session: AsyncSession, action_ids: set[str]) -> dict[str, str]:
    """The lead partner organisation of each action, by action id."""
    if not action_ids:
        return {}
    rows = await session.execute(
        select(tables.actions.c.id, tables.actions.c.lead_organisation).where(tables.actions.c.id.in_(action_ids))
    )
    return {action_id: lead for action_id, lead in rows.all()}
