"""Commands on milestones: add one (perhaps bound to an event), complete it, raise the overdue ones once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from services.actions import tables
from services.actions.domain import EventBinding, InvalidCommand, Milestone
from services.actions.handlers.records import action_of, lead_organisations, milestone_of
from shared import calendar
from shared.events.catalogue.actions import MilestoneCompleted, MilestoneCreated, MilestoneOverdue
from shared.unit_of_work import UnitOfWork

# The event types a milestone may be bound to; the milestone-bindings consumer binds exactly these.
BINDABLE_EVENT_TYPES: tuple[str, ...] = (
    "grants.fund.opened.v1",
    "grants.fund.closed.v1",
)

OVERDUE = "milestone-overdue"


def check_binding(binding: EventBinding | None) -> None:
    if binding is not None and binding.event_type not in BINDABLE_EVENT_TYPES:
        raise InvalidCommand(
            f"A milestone cannot be bound to {binding.event_type!r}; "
            f"it can be bound to: {', '.join(BINDABLE_EVENT_TYPES)}.",
            bindable_event_types=list(BINDABLE_EVENT_TYPES),
        )


async def add_milestone(
    uow: UnitOfWork,
    *,
    action_id: str,
    council: str,
    title: str,
    due_on: date,
    binding: EventBinding | None = None,
) -> Milestone:
    action = await action_of(uow.session, action_id, council)
    milestone = action.add_milestone(title=title, due_on=due_on, binding=binding)
    added_milestone(uow, milestone)
    await uow.commit()
    return milestone


def added_milestone(uow: UnitOfWork, milestone: Milestone) -> None:
    """Stage a new milestone with its event and audit entry (the caller commits)."""
    check_binding(milestone.binding)
    uow.session.add(milestone)
    uow.emit(
        MilestoneCreated(
            milestone_id=milestone.id,
            action_id=milestone.action_id,
            plan_id=milestone.plan_id,
            due_on=milestone.due_on,
            bound_event_type=milestone.bound_event_type,
            bound_subject=milestone.bound_subject,
        ),
        subject=milestone.id,
        council=milestone.council,
    )
    binding = milestone.binding
    uow.audit(
        "actions.milestone.create",
        milestone.id,
        action_id=milestone.action_id,
        binding={"event_type": binding.event_type, "subject": binding.subject} if binding else None,
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
    uow: UnitOfWork, *, milestone_id: str, council: str, evidence: str, now: datetime | None = None
) -> Milestone:
    milestone = await milestone_of(uow.session, milestone_id, council, for_update=True)
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
