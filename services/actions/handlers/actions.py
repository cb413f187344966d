"""Commands on an action: add it under a theme, record its progress (RAG follows)."""

from __future__ import annotations

from datetime import date, datetime

from services.actions.domain import Action, Progress
from services.actions.handlers.records import action_of, plan_of
from shared import calendar
from shared.calendar import today_in_london
from shared.events.catalogue.actions import ActionCreated, ActionProgressRecorded
from shared.unit_of_work import UnitOfWork


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
) -> Action:
    plan = await plan_of(uow.session, plan_id, council)
    action = plan.add_action(
        theme=theme,
        title=title,
        lead_organisation=lead_organisation,
        owner=owner,
        starts_on=starts_on,
        due_on=due_on,
        task_and_finish_group=task_and_finish_group,
    )
    added_action(uow, action)
    await uow.commit()
    return action


def added_action(uow: UnitOfWork, action: Action) -> None:
    """Stage a new action with its event and audit entry (the caller commits)."""
    uow.session.add(action)
    uow.emit(
        ActionCreated(
            action_id=action.id,
            plan_id=action.plan_id,
            theme=action.theme,
            starts_on=action.starts_on,
            due_on=action.due_on,
        ),
        subject=action.id,
        council=action.council,
    )
    uow.audit("actions.action.create", action.id, plan_id=action.plan_id, theme=action.theme)


async def record_progress(
    uow: UnitOfWork,
    *,
    action_id: str,
    council: str,
    percent_complete: int,
    note: str,
    now: datetime | None = None,
) -> tuple[Action, Progress]:
    action = await action_of(uow.session, action_id, council, for_update=True)
    at = now or calendar.now()
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
            rag=action.rag(today_in_london(at)),
        ),
        subject=action.id,
        council=council,
    )
    uow.audit("actions.action.progress", action.id, percent_complete=percent_complete)
    await uow.commit()
    return action, progress
