"""Commands on milestones: add one (perhaps bound to an event), complete it, raise the overdue ones once."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import select

import shared.events.catalogue  # noqa: F401 - registers every event type before BINDABLE_EVENT_TYPES is read
from services.actions import tables
from services.actions.domain import Action, EventBinding, InvalidCommand, Milestone, PlanReview
from services.actions.handlers.records import action_of, lead_organisations, milestone_of, plan_of
from shared import calendar
from shared.events.base import CATALOGUE
from shared.events.catalogue.actions import MilestoneCompleted, MilestoneCreated, MilestoneOverdue
from shared.unit_of_work import UnitOfWork

# Per-message records of the notifications plumbing (each delivery attempt, each email) are the
# busiest types on the bus and mark no step of a plan: binding them would make this consumer read
# every delivery. Every other type in the catalogue can complete a milestone.
NOT_BINDABLE_PREFIXES = ("notifications.delivery.", "notifications.email.")

# The event types a milestone may be bound to; the milestone-bindings consumer binds exactly these.
BINDABLE_EVENT_TYPES: tuple[str, ...] = tuple(sorted(t for t in CATALOGUE if not t.startswith(NOT_BINDABLE_PREFIXES)))

OVERDUE = "milestone-overdue"


def check_binding(binding: EventBinding | None) -> None:
    """The binding names an event type of the catalogue and, if it matches a field, a field of that type."""
    if binding is None:
        return
    if binding.event_type not in BINDABLE_EVENT_TYPES:
        raise InvalidCommand(
            f"A milestone cannot be bound to {binding.event_type!r}: it is not an event type of the catalogue "
            "a milestone may be bound to.",
            field="binding.event_type",
            event_type=binding.event_type,
            bindable_event_types=list(BINDABLE_EVENT_TYPES),
        )
    fields = sorted(CATALOGUE[binding.event_type].model_fields)
    if binding.data_field is not None and binding.data_field not in fields:
        raise InvalidCommand(
            f"{binding.event_type} has no field {binding.data_field!r}; its fields are: {', '.join(fields)}.",
            field="binding.field",
            event_type=binding.event_type,
            event_fields=fields,
        )


async def add_milestone(
    uow: UnitOfWork,
    *,
    action_id: str,
    council: str,
    title: str,
    due_on: date,
    binding: EventBinding | None = None,
    now: datetime | None = None,
) -> Milestone:
    action = await action_of(uow.session, action_id, council)
    plan = await plan_of(uow.session, action.plan_id, council, for_update=True)
    plan.ensure_changeable(through_review=False)
    milestone = staged_milestone(uow, action, title=title, due_on=due_on, binding=binding)
    milestone.created_at = now or milestone.created_at
    await uow.commit()
    return milestone


def staged_milestone(
    uow: UnitOfWork,
    action: Action,
    *,
    title: str,
    due_on: date,
    binding: EventBinding | None = None,
    review: PlanReview | None = None,
) -> Milestone:
    milestone = action.add_milestone(title=title, due_on=due_on, binding=binding)
    added_milestone(uow, milestone, review=review)
    return milestone


def added_milestone(uow: UnitOfWork, milestone: Milestone, *, review: PlanReview | None = None) -> None:
    """Stage a new milestone with its event and audit entry (the caller commits)."""
    check_binding(milestone.binding)
    milestone.created_at = milestone.created_at or calendar.now()
    uow.session.add(milestone)
    uow.emit(
        MilestoneCreated(
            milestone_id=milestone.id,
            action_id=milestone.action_id,
            plan_id=milestone.plan_id,
            due_on=milestone.due_on,
            bound_event_type=milestone.bound_event_type,
            bound_subject=milestone.bound_subject,
            bound_field=milestone.bound_field,
            bound_value=milestone.bound_value,
            review_id=review.id if review else None,
        ),
        subject=milestone.id,
        council=milestone.council,
    )
    binding = milestone.binding
    uow.audit(
        "actions.milestone.create",
        milestone.id,
        action_id=milestone.action_id,
        binding=asdict(binding) if binding else None,
    )


def emit_completed(uow: UnitOfWork, milestone: Milestone) -> None:
    assert milestone.completed_at is not None
    uow.emit(
        MilestoneCompleted(
            milestone_id=milestone.id,
            action_id=milestone.action_id,
            plan_id=milestone.plan_id,
            completed_at=milestone.completed_at,
            completed_by_event=milestone.completed_by_event,
        ),
        subject=milestone.id,
        council=milestone.council,
    )


async def complete_milestone(
    uow: UnitOfWork,
    *,
    milestone_id: str,
    council: str,
    evidence: str,
    manages_plans: bool = True,
    now: datetime | None = None,
) -> Milestone:
    """Officers complete any milestone of their council; a lead partner only those of its own actions."""
    milestone = await milestone_of(uow.session, milestone_id, council, for_update=True)
    action = await action_of(uow.session, milestone.action_id, council)
    action.ensure_updatable_by(organisation=uow.actor.organisation, manages_plans=manages_plans)
    milestone.complete(evidence=evidence, at=now or calendar.now())
    emit_completed(uow, milestone)
    uow.audit("actions.milestone.complete", milestone.id, evidence=milestone.evidence)
    await uow.commit()
    return milestone


async def raise_overdue_milestones(uow: UnitOfWork, today: date) -> list[Milestone]:
    """Raise ``actions.milestone.overdue.v1`` once per pending milestone past its due date, ever."""
    candidates = (
        await uow.session.scalars(
            select(Milestone)
            .where(tables.milestones.c.status == "pending", tables.milestones.c.due_on < today)
            .order_by(tables.milestones.c.due_on, tables.milestones.c.id)
        )
    ).all()
    leads = await lead_organisations(uow.session, {m.action_id for m in candidates})
    raised: list[Milestone] = []
    for milestone in candidates:
        if not milestone.is_overdue(today) or not await uow.first_occurrence(OVERDUE, milestone.id):
            continue
        uow.emit(
            MilestoneOverdue(
                milestone_id=milestone.id,
                action_id=milestone.action_id,
                plan_id=milestone.plan_id,
                due_on=milestone.due_on,
                lead_organisation=leads.get(milestone.action_id),
            ),
            subject=milestone.id,
            council=milestone.council,
        )
        raised.append(milestone)
    if raised:
        uow.audit("actions.milestone.overdue", None, milestone_ids=[m.id for m in raised], as_of=today.isoformat())
    await uow.commit()
    return raised
