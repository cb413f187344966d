"""Commands on a plan: create it, add priorities and objectives, sign it off by its owning board.

The forum's or board's reviews, the only way a signed-off plan changes, are in ``reviews``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.actions.domain import Body, Objective, Plan, PlanReview, Priority
from services.actions.handlers.records import body_of, objectives_of, plan_of, priorities_of, priority_of
from shared.events.catalogue.actions import ObjectiveAdded, PlanCreated, PlanSignedOff, PriorityAdded
from shared.unit_of_work import UnitOfWork


async def create_plan(
    uow: UnitOfWork,
    *,
    council: str,
    title: str,
    period_start: date,
    period_end: date,
    themes: Sequence[str],
    vision: str | None = None,
    area: str | None = None,
    owner_body_id: str | None = None,
    reviewer_body_id: str | None = None,
) -> Plan:
    for body_id in (owner_body_id, reviewer_body_id):
        if body_id is not None:
            await body_of(uow.session, body_id, council)
    plan = Plan(
        council=council,
        title=title,
        period_start=period_start,
        period_end=period_end,
        themes=list(themes),
        vision=vision,
        area=area,
        owner_body_id=owner_body_id,
        reviewer_body_id=reviewer_body_id,
    )
    added_plan(uow, plan)
    await uow.commit()
    return plan


def added_plan(uow: UnitOfWork, plan: Plan) -> None:
    """Stage a new plan with its event and audit entry (the caller commits)."""
    uow.session.add(plan)
    uow.emit(
        PlanCreated(
            plan_id=plan.id,
            period_start=plan.period_start,
            period_end=plan.period_end,
            themes=plan.themes,
            area=plan.area,
            owner_body_id=plan.owner_body_id,
            reviewer_body_id=plan.reviewer_body_id,
        ),
        subject=plan.id,
        council=plan.council,
    )
    uow.audit("actions.plan.create", plan.id, title=plan.title)


async def add_priority(uow: UnitOfWork, *, plan_id: str, council: str, number: int, title: str) -> Priority:
    plan = await plan_of(uow.session, plan_id, council, for_update=True)
    plan.ensure_changeable(through_review=False)
    priority = await added_priority(uow, plan, number=number, title=title)
    await uow.commit()
    return priority


async def added_priority(
    uow: UnitOfWork, plan: Plan, *, number: int, title: str, review: PlanReview | None = None
) -> Priority:
    priority = plan.add_priority(number=number, title=title, existing=await priorities_of(uow.session, plan.id))
    stage_priority(uow, priority, review=review)
    return priority


def stage_priority(uow: UnitOfWork, priority: Priority, *, review: PlanReview | None = None) -> None:
    """Stage a new priority with its event and audit entry (the caller commits)."""
    uow.session.add(priority)
    uow.emit(
        PriorityAdded(
            priority_id=priority.id,
            plan_id=priority.plan_id,
            number=priority.number,
            review_id=review.id if review else None,
        ),
        subject=priority.id,
        council=priority.council,
    )
    uow.audit("actions.priority.add", priority.id, plan_id=priority.plan_id, number=priority.number)


async def add_objective(uow: UnitOfWork, *, priority_id: str, council: str, title: str) -> Objective:
    priority = await priority_of(uow.session, priority_id, council)
    plan = await plan_of(uow.session, priority.plan_id, council, for_update=True)
    plan.ensure_changeable(through_review=False)
    objective = await added_objective(uow, priority, title=title)
    await uow.commit()
    return objective


async def added_objective(
    uow: UnitOfWork, priority: Priority, *, title: str, review: PlanReview | None = None
) -> Objective:
    objective = priority.add_objective(title=title, existing=await objectives_of(uow.session, priority.plan_id))
    stage_objective(uow, objective, review=review)
    return objective


def stage_objective(uow: UnitOfWork, objective: Objective, *, review: PlanReview | None = None) -> None:
    """Stage a new objective with its event and audit entry (the caller commits)."""
    uow.session.add(objective)
    uow.emit(
        ObjectiveAdded(
            objective_id=objective.id,
            priority_id=objective.priority_id,
            plan_id=objective.plan_id,
            review_id=review.id if review else None,
        ),
        subject=objective.id,
        council=objective.council,
    )
    uow.audit("actions.objective.add", objective.id, plan_id=objective.plan_id, priority_id=objective.priority_id)


async def sign_off_plan(uow: UnitOfWork, *, plan_id: str, council: str, signed_off_on: date) -> Plan:
    plan = await plan_of(uow.session, plan_id, council, for_update=True)
    owner = await body_of(uow.session, plan.owner_body_id, council) if plan.owner_body_id else None
    signed_off(uow, plan, owner, signed_off_on)
    await uow.commit()
    return plan


def signed_off(uow: UnitOfWork, plan: Plan, owner: Body | None, on: date) -> None:
    """Sign the plan off as the unit's actor, a member of its owning board (the caller commits)."""
    plan.sign_off(owner=owner, account=uow.actor.subject, on=on)
    assert plan.owner_body_id is not None
    uow.emit(
        PlanSignedOff(plan_id=plan.id, body_id=plan.owner_body_id, signed_off_on=on),
        subject=plan.id,
        council=plan.council,
    )
    uow.audit("actions.plan.sign_off", plan.id, body_id=plan.owner_body_id, signed_off_on=on.isoformat())
