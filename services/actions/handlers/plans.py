"""Commands on a plan: create it, record the forum's review of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.actions.domain import Plan, PlanReview
from services.actions.handlers.records import plan_of
from shared.events.catalogue.actions import PlanCreated, PlanReviewed
from shared.unit_of_work import UnitOfWork


async def create_plan(
    uow: UnitOfWork, *, council: str, title: str, period_start: date, period_end: date, themes: Sequence[str]
) -> Plan:
    plan = Plan(council=council, title=title, period_start=period_start, period_end=period_end, themes=list(themes))
    added_plan(uow, plan)
    await uow.commit()
    return plan


def added_plan(uow: UnitOfWork, plan: Plan) -> None:
    """Stage a new plan with its event and audit entry (the caller commits)."""
    uow.session.add(plan)
    uow.emit(
        PlanCreated(plan_id=plan.id, period_start=plan.period_start, period_end=plan.period_end, themes=plan.themes),
        subject=plan.id,
        council=plan.council,
    )
    uow.audit("actions.plan.create", plan.id, title=plan.title)


async def review_plan(
    uow: UnitOfWork, *, plan_id: str, council: str, held_on: date, attendees: str, decisions: Sequence[str]
) -> PlanReview:
    plan = await plan_of(uow.session, plan_id, council)
    review = plan.review(held_on=held_on, attendees=attendees, decisions=decisions, recorded_by=uow.actor.subject)
    uow.session.add(review)
    uow.emit(
        PlanReviewed(plan_id=plan.id, review_id=review.id, held_on=held_on, decision_count=len(review.decisions)),
        subject=plan.id,
        council=council,
    )
    uow.audit("actions.plan.review", plan.id, review_id=review.id, held_on=held_on.isoformat())
    await uow.commit()
    return review
