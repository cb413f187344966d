"""Time-driven checks of the action plan: each a function of the runtime, run by a ``Schedule``."""

from __future__ import annotations

from services.actions.handlers.milestones import raise_overdue_milestones
from shared.calendar import today_in_london
from shared.service import Runtime, Schedule
from shared.unit_of_work import Actor

SCHEDULER = Actor("system:actions-scheduler")


async def overdue_milestones(runtime: Runtime) -> None:
    """Raise ``actions.milestone.overdue.v1`` for milestones that fell due before today (Europe/London)."""
    async with runtime.uow(SCHEDULER) as uow:
        await raise_overdue_milestones(uow, today_in_london())


CLOCKS: tuple[Schedule, ...] = (Schedule("milestone-overdue", overdue_milestones),)
