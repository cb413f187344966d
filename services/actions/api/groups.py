"""``/v1/plans/{id}/groups`` and ``/v1/groups``: task and finish groups, their remit, members and actions."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions import handlers, tables
from services.actions.api.access import Officer, Reader
from services.actions.api.schemas import GroupCloseIn, GroupIn, GroupOut
from services.actions.domain import TaskAndFinishGroup
from shared.calendar import today_in_london
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["governance"])


async def carried(session: AsyncSession, group_ids: list[str]) -> dict[str, list[str]]:
    """The ids of the actions each group carries."""
    rows = await session.execute(
        select(tables.actions.c.group_id, tables.actions.c.id)
        .where(tables.actions.c.group_id.in_(group_ids))
        .order_by(tables.actions.c.due_on, tables.actions.c.id)
    )
    by_group: dict[str, list[str]] = {g: [] for g in group_ids}
    for group_id, action_id in rows.all():
        by_group[group_id].append(action_id)
    return by_group


@router.post("/plans/{plan_id}/groups", status_code=status.HTTP_201_CREATED, summary="Form a task and finish group")
async def post_group(plan_id: str, body: GroupIn, runtime: RuntimeDep, principal: Officer) -> GroupOut:
    async with runtime.uow(principal.actor) as uow:
        group = await handlers.form_group(
            uow,
            plan_id=plan_id,
            council=principal.council,
            name=body.name,
            leader=body.leader,
            remit=body.remit,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            members=[m.member() for m in body.members],
        )
    return GroupOut.of(group, [], today_in_london())


@router.get("/plans/{plan_id}/groups", summary="A plan's task and finish groups")
async def list_groups(plan_id: str, runtime: RuntimeDep, principal: Reader) -> list[GroupOut]:
    async with runtime.sessions() as session:
        await handlers.plan_of(session, plan_id, principal.council)
        groups = (
            await session.scalars(
                select(TaskAndFinishGroup)
                .where(tables.task_and_finish_groups.c.plan_id == plan_id)
                .order_by(tables.task_and_finish_groups.c.starts_on, tables.task_and_finish_groups.c.id)
            )
        ).all()
        actions = await carried(session, [g.id for g in groups])
    today = today_in_london()
    return [GroupOut.of(g, actions[g.id], today) for g in groups]


@router.get("/groups/{group_id}", summary="One task and finish group, with the actions it carries")
async def get_group(group_id: str, runtime: RuntimeDep, principal: Reader) -> GroupOut:
    async with runtime.sessions() as session:
        group = await handlers.group_of(session, group_id, principal.council)
        actions = await carried(session, [group.id])
    return GroupOut.of(group, actions[group.id], today_in_london())


@router.post("/groups/{group_id}/close", summary="Close a task and finish group")
async def post_close(group_id: str, body: GroupCloseIn, runtime: RuntimeDep, principal: Officer) -> GroupOut:
    async with runtime.uow(principal.actor) as uow:
        group = await handlers.close_group(uow, group_id=group_id, council=principal.council, closed_on=body.closed_on)
        actions = await carried(uow.session, [group.id])
    return GroupOut.of(group, actions[group.id], today_in_london())
