"""Commands on an action: add it under a theme and objective, record its progress; its RAG follows.

RAG is computed, never typed in; ``actions.action.rag_changed`` is published
whenever the computed RAG moves away from the one last published: after a
progress update, or when time alone moves it (``settle_rags``, run daily by a
clock). The action's row lock makes each change published once, whichever
process sees it first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import select

from services.actions import tables
from services.actions.domain import Action, Plan, PlanReview, Progress, RagChange
from services.actions.handlers.records import action_of, group_of, objective_of, plan_of
from shared import calendar
from shared.calendar import today_in_london
from shared.events.catalogue.actions import ActionCreated, ActionProgressRecorded, ActionRagChanged, ActionRescheduled
from shared.unit_of_work import UnitOfWork

RagCause = Literal["progress", "time", "review"]


async def add_action(
    uow: UnitOfWork,
    *,
    plan_id: str,
    council: str,
    theme: str,
    title: str,
    lead_organisation: str,
    owner: str,
    starts_on: date,
    due_on: date,
    task_and_finish_group: str | None = None,
    objective_id: str | None = None,
    group_id: str | None = None,
    now: datetime | None = None,
) -> Action:
    plan = await plan_of(uow.session, plan_id, council, for_update=True)
    plan.ensure_changeable(through_review=False)
    action = await staged_action(
        uow,
        plan,
        theme=theme,
        title=title,
        lead_organisation=lead_organisation,
        owner=owner,
        starts_on=starts_on,
        due_on=due_on,
        task_and_finish_group=task_and_finish_group,
        objective_id=objective_id,
        group_id=group_id,
        now=now,
    )
    await uow.commit()
    return action


async def staged_action(
    uow: UnitOfWork,
    plan: Plan,
    *,
    theme: str,
    title: str,
    lead_organisation: str,
    owner: str,
    starts_on: date,
    due_on: date,
    task_and_finish_group: str | None = None,
    objective_id: str | None = None,
    group_id: str | None = None,
    review: PlanReview | None = None,
    now: datetime | None = None,
) -> Action:
    """Add an action to ``plan`` without committing: directly, or as one change of a review."""
    objective = await objective_of(uow.session, objective_id, plan.council) if objective_id else None
    group = await group_of(uow.session, group_id, plan.council) if group_id else None
    action = plan.add_action(
        theme=theme,
        title=title,
        lead_organisation=lead_organisation,
        owner=owner,
        starts_on=starts_on,
        due_on=due_on,
        task_and_finish_group=task_and_finish_group,
        objective=objective,
        group=group,
    )
    action.created_at = now
    added_action(uow, action, review=review)
    return action


def added_action(uow: UnitOfWork, action: Action, *, review: PlanReview | None = None) -> None:
    """Stage a new action with its event and audit entry (the caller commits)."""
    action.created_at = action.created_at or calendar.now()
    # Its RAG on the day it is added is where it starts from, not a change.
    action.settle_rag(today_in_london(action.created_at))
    uow.session.add(action)
    uow.emit(
        ActionCreated(
            action_id=action.id,
            plan_id=action.plan_id,
            theme=action.theme,
            starts_on=action.starts_on,
            due_on=action.due_on,
            objective_id=action.objective_id,
            group_id=action.group_id,
            review_id=review.id if review else None,
        ),
        subject=action.id,
        council=action.council,
    )
    uow.audit("actions.action.create", action.id, plan_id=action.plan_id, theme=action.theme)


def rescheduled_action(uow: UnitOfWork, action: Action, *, due_on: date, review: PlanReview) -> date:
    """Move an action's due date as one change of a review (its RAG may move with it); the date it had."""
    at = calendar.now()
    today = today_in_london(at)
    moved = action.reschedule(due_on, review_id=review.id, at=at)
    uow.session.add(moved)
    uow.emit(
        ActionRescheduled(action_id=action.id, plan_id=action.plan_id, due_on=due_on, review_id=review.id),
        subject=action.id,
        council=action.council,
    )
    emit_rag_change(uow, action, action.settle_rag(today), today, cause="review")
    return moved.due_on_before


async def record_progress(
    uow: UnitOfWork,
    *,
    action_id: str,
    council: str,
    percent_complete: int,
    note: str,
    manages_plans: bool = True,
    now: datetime | None = None,
) -> tuple[Action, Progress]:
    """Officers record progress on any action of their council; a lead partner only on its own."""
    action = await action_of(uow.session, action_id, council, for_update=True)
    action.ensure_updatable_by(organisation=uow.actor.organisation, manages_plans=manages_plans)
    at = now or calendar.now()
    today = today_in_london(at)
    progress = action.record_progress(
        percent_complete=percent_complete, note=note, recorded_at=at, recorded_by=uow.actor.subject
    )
    uow.session.add(progress)
    uow.emit(
        ActionProgressRecorded(
            action_id=action.id,
            plan_id=action.plan_id,
            progress_id=progress.id,
            percent_complete=percent_complete,
            rag=action.rag(today),
        ),
        subject=action.id,
        council=council,
    )
    emit_rag_change(uow, action, action.settle_rag(today), today, cause="progress")
    uow.audit("actions.action.progress", action.id, percent_complete=percent_complete)
    await uow.commit()
    return action, progress


def emit_rag_change(uow: UnitOfWork, action: Action, change: RagChange | None, today: date, *, cause: RagCause) -> None:
    if change is None:
        return
    uow.emit(
        ActionRagChanged(
            action_id=action.id,
            plan_id=action.plan_id,
            previous_rag=change.previous,
            rag=change.current,
            as_of=today,
            cause=cause,
        ),
        subject=action.id,
        council=action.council,
    )


async def settle_rags(uow: UnitOfWork, today: date) -> list[Action]:
    """Publish the RAG of every unfinished action that time alone has moved since it was last published.

    Rows another process holds are skipped (it is settling them, or recording progress that
    settles them); a row is settled under its lock, so each change is published once.
    """
    unfinished = (
        await uow.session.scalars(
            select(Action)
            .where(tables.actions.c.percent_complete < 100)
            .order_by(tables.actions.c.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    moved: list[Action] = []
    for action in unfinished:
        change = action.settle_rag(today)
        if change is not None:
            emit_rag_change(uow, action, change, today, cause="time")
            moved.append(action)
    if moved:
        uow.audit("actions.action.rag_moved_with_time", None, action_ids=[a.id for a in moved], as_of=today.isoformat())
    await uow.commit()
    return moved
