"""The forum's or board's review of a plan: its decisions and, once the plan is signed off, its changes.

A signed-off plan changes only here: each change a review makes is applied in
the review's own transaction and named in it ("Added Priority 4: …"), and its
event carries the review's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.actions.domain import EventBinding, NotPermitted, Plan, PlanReview
from services.actions.handlers.actions import rescheduled_action, staged_action
from services.actions.handlers.indicators import added_indicator
from services.actions.handlers.milestones import staged_milestone
from services.actions.handlers.plans import added_objective, added_priority
from services.actions.handlers.records import action_of, governing_bodies, plan_of, priority_of
from shared.events.catalogue.actions import PlanReviewed
from shared.rules import NotFound
from shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AddPriority:
    number: int
    title: str


@dataclass(frozen=True)
class AddObjective:
    priority_id: str
    title: str


@dataclass(frozen=True)
class AddAction:
    theme: str
    title: str
    lead_organisation: str
    owner: str
    starts_on: date
    due_on: date
    objective_id: str | None = None
    group_id: str | None = None
    task_and_finish_group: str | None = None


@dataclass(frozen=True)
class AddMilestone:
    action_id: str
    title: str
    due_on: date
    binding: EventBinding | None = None


@dataclass(frozen=True)
class AddIndicator:
    title: str
    unit: str
    higher_is_better: bool
    baseline: float
    baseline_period: str
    target: float
    target_period: str


@dataclass(frozen=True)
class MoveDueDate:
    action_id: str
    due_on: date


PlanChange = AddPriority | AddObjective | AddAction | AddMilestone | AddIndicator | MoveDueDate


async def review_plan(
    uow: UnitOfWork,
    *,
    plan_id: str,
    council: str,
    held_on: date,
    attendees: str,
    decisions: Sequence[str],
    changes: Sequence[PlanChange] = (),
) -> PlanReview:
    plan = await plan_of(uow.session, plan_id, council, for_update=True)
    bodies = await governing_bodies(uow.session, plan)
    if not plan.may_be_reviewed_by(bodies, uow.actor.subject):
        raise NotPermitted("Only a member of the plan's owning or reviewing body records its reviews.")
    speaking = next((b for b in bodies if b.seats(uow.actor.subject)), None)
    review = plan.review(
        held_on=held_on,
        attendees=attendees,
        decisions=decisions,
        recorded_by=uow.actor.subject,
        body_id=speaking.id if speaking else None,
    )
    uow.session.add(review)
    await uow.session.flush()  # the review before the records of its changes, which refer to it
    for change in changes:
        review.changes.append(await apply(uow, plan, review, change))
    uow.emit(
        PlanReviewed(
            plan_id=plan.id,
            review_id=review.id,
            held_on=held_on,
            decision_count=len(review.decisions),
            body_id=review.body_id,
            change_count=len(review.changes),
        ),
        subject=plan.id,
        council=council,
    )
    uow.audit("actions.plan.review", plan.id, review_id=review.id, held_on=held_on.isoformat(), changes=review.changes)
    await uow.commit()
    return review


async def apply(uow: UnitOfWork, plan: Plan, review: PlanReview, change: PlanChange) -> str:
    """Make one change of the review; what it changed, in words."""
    plan.ensure_changeable(through_review=True)
    council = plan.council
    match change:
        case AddPriority(number=number, title=title):
            priority = await added_priority(uow, plan, number=number, title=title, review=review)
            await uow.session.flush()
            return f"Added {priority.label}"
        case AddObjective(priority_id=priority_id, title=title):
            priority = await priority_of(uow.session, priority_id, council)
            if priority.plan_id != plan.id:
                raise NotFound("priority", priority_id)
            await added_objective(uow, priority, title=title, review=review)
            await uow.session.flush()
            return f"Added objective under Priority {priority.number}: {title.strip()}"
        case AddAction():
            action = await staged_action(
                uow,
                plan,
                theme=change.theme,
                title=change.title,
                lead_organisation=change.lead_organisation,
                owner=change.owner,
                starts_on=change.starts_on,
                due_on=change.due_on,
                objective_id=change.objective_id,
                group_id=change.group_id,
                task_and_finish_group=change.task_and_finish_group,
                review=review,
            )
            await uow.session.flush()
            return f"Added action {action.title!r} under {action.theme!r}"
        case AddMilestone(action_id=action_id, title=title, due_on=due_on, binding=binding):
            action = await action_of(uow.session, action_id, council, for_update=True)
            if action.plan_id != plan.id:
                raise NotFound("action", action_id)
            staged_milestone(uow, action, title=title, due_on=due_on, binding=binding, review=review)
            return f"Added milestone {title!r} to {action.title!r}, due {due_on}"
        case AddIndicator():
            indicator = plan.add_indicator(
                title=change.title,
                unit=change.unit,
                higher_is_better=change.higher_is_better,
                baseline=change.baseline,
                baseline_period=change.baseline_period,
                target=change.target,
                target_period=change.target_period,
            )
            added_indicator(uow, indicator)
            return f"Added indicator {indicator.title!r}"
        case MoveDueDate(action_id=action_id, due_on=due_on):
            action = await action_of(uow.session, action_id, council, for_update=True)
            if action.plan_id != plan.id:
                raise NotFound("action", action_id)
            was = rescheduled_action(uow, action, due_on=due_on, review=review)
            return f"Moved the due date of {action.title!r} from {was} to {due_on}"
