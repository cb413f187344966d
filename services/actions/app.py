"""The actions service, wired: its routes, the milestone-bindings consumer and the overdue schedule."""

from __future__ import annotations

from services.actions import api, demo, tables
from services.actions.consumers import CONSUMERS
from services.actions.handlers import raise_overdue_milestones
from shared.calendar import today_in_london
from shared.service import Runtime, Schedule, ServiceDefinition
from shared.unit_of_work import Actor


async def overdue_milestones(runtime: Runtime) -> None:
    """Raise ``actions.milestone.overdue.v1`` for milestones that fell due before today (Europe/London)."""
    async with runtime.uow(Actor("system:actions-scheduler")) as uow:
        await raise_overdue_milestones(uow, today_in_london())


definition = ServiceDefinition(
    name="actions",
    title="Cohesion — actions",
    description=(
        "The partnership action plan: plans and their themes, actions, milestones (some completed by events), "
        "computed RAG, forum reviews and priority indicators. Publishes `actions.*` events."
    ),
    metadata=tables.metadata,
    port=8003,
    routers=[api.router],
    consumers=CONSUMERS,
    schedules=[Schedule("milestone-overdue", overdue_milestones)],
    demo=demo.load_demo_data,
)
