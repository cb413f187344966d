"""Time-driven checks of the action plan: each a function of the runtime, run by a ``Schedule``.

Each raises what it finds once per occurrence, across restarts and instances:
an overdue milestone and an overrun group by their claimed occurrence, a RAG
moved by time by the action's row lock and its last published RAG.
"""

from __future__ import annotations

from services.actions.handlers.actions import settle_rags
from services.actions.handlers.groups import raise_overrun_groups
from services.actions.handlers.milestones import raise_overdue_milestones
from shared.calendar import today_in_london
from shared.service import Runtime, Schedule
from shared.unit_of_work import Actor

SCHEDULER = Actor("system:actions-scheduler")

# RAG moves with the date: checking hourly notices a new day within the hour, and costs one query.
HOURLY = 3600.0


async def overdue_milestones(runtime: Runtime) -> None:
    """Raise ``actions.milestone.overdue.v1`` for milestones that fell due before today (Europe/London)."""
    async with runtime.uow(SCHEDULER) as uow:
        await raise_overdue_milestones(uow, today_in_london())


async def overrun_groups(runtime: Runtime) -> None:
    """Raise ``actions.group.overran.v1`` for task and finish groups still open after their end date."""
    async with runtime.uow(SCHEDULER) as uow:
        await raise_overrun_groups(uow, today_in_london())


async def rag_with_time(runtime: Runtime) -> None:
    """Publish ``actions.action.rag_changed.v1`` for actions whose RAG time alone has moved today."""
    async with runtime.uow(SCHEDULER) as uow:
        await settle_rags(uow, today_in_london())


CLOCKS: tuple[Schedule, ...] = (
    Schedule("milestone-overdue", overdue_milestones),
    Schedule("group-overran", overrun_groups),
    Schedule("rag-with-time", rag_with_time, every_seconds=HOURLY),
)
