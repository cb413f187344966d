"""The plan's records loaded by id within the caller's council: another council's record is not found."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions import tables
from services.actions.domain import (
    Action,
    Body,
    Indicator,
    IndicatorValue,
    Milestone,
    Objective,
    Plan,
    Priority,
    TaskAndFinishGroup,
)
from shared.rules import NotFound


async def plan_of(session: AsyncSession, plan_id: str, council: str, *, for_update: bool = False) -> Plan:
    # Locked by a command that changes the plan's standing (sign-off, review), so changes queue behind it.
    plan = await session.get(Plan, plan_id, with_for_update=for_update)
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


async def priority_of(session: AsyncSession, priority_id: str, council: str) -> Priority:
    priority = await session.get(Priority, priority_id)
    if priority is None or priority.council != council:
        raise NotFound("priority", priority_id)
    return priority


async def objective_of(session: AsyncSession, objective_id: str, council: str) -> Objective:
    objective = await session.get(Objective, objective_id)
    if objective is None or objective.council != council:
        raise NotFound("objective", objective_id)
    return objective


async def body_of(session: AsyncSession, body_id: str, council: str, *, for_update: bool = False) -> Body:
    body = await session.get(Body, body_id, with_for_update=for_update)
    if body is None or body.council != council:
        raise NotFound("board or forum", body_id)
    return body


async def group_of(
    session: AsyncSession, group_id: str, council: str, *, for_update: bool = False
) -> TaskAndFinishGroup:
    group = await session.get(TaskAndFinishGroup, group_id, with_for_update=for_update)
    if group is None or group.council != council:
        raise NotFound("task and finish group", group_id)
    return group


async def priorities_of(session: AsyncSession, plan_id: str) -> list[Priority]:
    return list(
        (
            await session.scalars(
                select(Priority).where(tables.priorities.c.plan_id == plan_id).order_by(tables.priorities.c.number)
            )
        ).all()
    )


async def governing_bodies(session: AsyncSession, plan: Plan) -> list[Body]:
    """The plan's owning and reviewing bodies (none, one or two)."""
    ids = {i for i in (plan.owner_body_id, plan.reviewer_body_id) if i is not None}
    if not ids:
        return []
    return list((await session.scalars(select(Body).where(tables.bodies.c.id.in_(ids)))).all())


async def objectives_of(session: AsyncSession, plan_id: str) -> list[Objective]:
    """The plan's objectives, in the order each priority lists them."""
    return list(
        (
            await session.scalars(
                select(Objective)
                .where(tables.objectives.c.plan_id == plan_id)
                .order_by(tables.objectives.c.priority_id, tables.objectives.c.position)
            )
        ).all()
    )


async def actions_in(session: AsyncSession, plan_id: str) -> list[Action]:
    return list((await session.scalars(select(Action).where(tables.actions.c.plan_id == plan_id))).all())


async def milestones_in(session: AsyncSession, plan_id: str) -> list[Milestone]:
    return list((await session.scalars(select(Milestone).where(tables.milestones.c.plan_id == plan_id))).all())
