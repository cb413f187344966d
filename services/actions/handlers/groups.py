"""Commands on task and finish groups: form one for a plan, close it; raise once those that overran."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from services.actions import tables
from services.actions.domain import Member, TaskAndFinishGroup
from services.actions.handlers.records import group_of, plan_of
from shared.events.catalogue.actions import GroupClosed, GroupFormed, GroupOverran
from shared.unit_of_work import UnitOfWork

OVERRAN = "group-overran"


async def form_group(
    uow: UnitOfWork,
    *,
    plan_id: str,
    council: str,
    name: str,
    leader: str,
    remit: str,
    starts_on: date,
    ends_on: date,
    members: Sequence[Member],
) -> TaskAndFinishGroup:
    plan = await plan_of(uow.session, plan_id, council)
    group = TaskAndFinishGroup(
        plan_id=plan.id,
        council=council,
        name=name,
        leader=leader,
        remit=remit,
        starts_on=starts_on,
        ends_on=ends_on,
        members=list(members),
    )
    uow.session.add(group)
    uow.emit(
        GroupFormed(
            group_id=group.id,
            plan_id=plan.id,
            starts_on=starts_on,
            ends_on=ends_on,
            member_count=len(group.members),
        ),
        subject=group.id,
        council=council,
    )
    uow.audit("actions.group.form", group.id, plan_id=plan.id, name=name)
    await uow.commit()
    return group


async def close_group(uow: UnitOfWork, *, group_id: str, council: str, closed_on: date) -> TaskAndFinishGroup:
    group = await group_of(uow.session, group_id, council, for_update=True)
    group.close(closed_on)
    uow.emit(
        GroupClosed(group_id=group.id, plan_id=group.plan_id, closed_on=closed_on), subject=group.id, council=council
    )
    uow.audit("actions.group.close", group.id, closed_on=closed_on.isoformat())
    await uow.commit()
    return group


async def raise_overrun_groups(uow: UnitOfWork, today: date) -> list[TaskAndFinishGroup]:
    """Raise ``actions.group.overran.v1`` once per group still open after its end date, ever."""
    candidates = (
        await uow.session.scalars(
            select(TaskAndFinishGroup)
            .where(
                tables.task_and_finish_groups.c.status == "open",
                tables.task_and_finish_groups.c.ends_on < today,
            )
            .order_by(tables.task_and_finish_groups.c.ends_on, tables.task_and_finish_groups.c.id)
        )
    ).all()
    raised: list[TaskAndFinishGroup] = []
    for group in candidates:
        if not group.has_overrun(today) or not await uow.first_occurrence(OVERRAN, group.id):
            continue
        uow.emit(
            GroupOverran(group_id=group.id, plan_id=group.plan_id, ends_on=group.ends_on),
            subject=group.id,
            council=group.council,
        )
        raised.append(group)
    if raised:
        uow.audit("actions.group.overran", None, group_ids=[g.id for g in raised], as_of=today.isoformat())
    await uow.commit()
    return raised
