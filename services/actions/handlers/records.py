"""The plan's records loaded by id within the caller's council: another council's record is not found."""

from __future__ import annotations

from typing import Protocol, TypeVar

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


class OfACouncil(Protocol):
    council: str


R = TypeVar("R", bound=OfACouncil)


async def in_council(
    session: AsyncSession, kind: type[R], name: str, record_id: str, council: str, *, for_update: bool = False
) -> R:
    """The record of ``kind`` with this id in ``council``; none, or another council's, is NotFound alike."""
    record = await session.get(kind, record_id, with_for_update=for_update)
    if record is None or record.council != council:
        raise NotFound(name, record_id)
    return record


async def plan_of(session: AsyncSession, plan_id: str, council: str, *, for_update: bool = False) -> Plan:
    # Locked by a command that changes the plan's standing (sign-off, review), so changes queue behind it.
    return await in_council(session, Plan, "plan", plan_id, council, for_update=for_update)


async def action_of(session: AsyncSession, action_id: str, council: str, *, for_update: bool = False) -> Action:
    return await in_council(session, Action, "action", action_id, council, for_update=for_update)


async def milestone_of(
    session: AsyncSession, milestone_id: str, council: str, *, for_update: bool = False
) -> Milestone:
    # Locked when completing, so a user and the event consumer cannot both complete it.
    return await in_council(session, Milestone, "milestone", milestone_id, council, for_update=for_update)


async def indicator_of(
    session: AsyncSession, indicator_id: str, council: str, *, for_update: bool = False
) -> Indicator:
    return await in_council(session, Indicator, "indicator", indicator_id, council, for_update=for_update)


async def priority_of(session: AsyncSession, priority_id: str, council: str) -> Priority:
    return await in_council(session, Priority, "priority", priority_id, council)


async def objective_of(session: AsyncSession, objective_id: str, council: str) -> Objective:
    return await in_council(session, Objective, "objective", objective_id, council)


async def body_of(session: AsyncSession, body_id: str, council: str, *, for_update: bool = False) -> Body:
    return await in_council(session, Body, "board or forum", body_id, council, for_update=for_update)


async def group_of(
    session: AsyncSession, group_id: str, council: str, *, for_update: bool = False
) -> TaskAndFinishGroup:
    return await in_council(
        session, TaskAndFinishGroup, "task and finish group", group_id, council, for_update=for_update
    )


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
