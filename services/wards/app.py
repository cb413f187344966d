"""The wards service, wired: its routes, its start-up load of the reference wards, its meeting-cadence
clock and its answer to ``wards.member_contacts``.

The cadence clock runs every scheduler interval but acts on dates (Europe/London): from the day after
each quarter end, a ward behind the four-meetings-a-year cadence is raised once for that checkpoint.
"""

from __future__ import annotations

from services.wards import api, demo, handlers, tables
from services.wards.handlers import SCHEDULER, read_reference_wards, register_wards
from shared.calendar import today_in_london
from shared.service import Runtime, Schedule, ServiceDefinition
from shared.unit_of_work import Actor


async def load_reference_wards(runtime: Runtime) -> None:
    """Keep the bundled reference wards (Rotherham, WD24) loaded; only changes are published."""
    async with runtime.uow(Actor("system:wards-reference")) as uow:
        await register_wards(uow, read_reference_wards())


async def meeting_cadence(runtime: Runtime) -> None:
    """Raise ``wards.ward.meetings_behind.v1`` once per ward, financial year and quarter checkpoint."""
    async with runtime.uow(SCHEDULER) as uow:
        await handlers.raise_cadence_notices(uow, today_in_london())


definition = ServiceDefinition(
    name="wards",
    title="Cohesion — wards",
    description=(
        "Wards, their boundary sets and neighbourhood working: elected members, ward meetings and their "
        "cadence. Publishes `wards.*` events; answers `wards.member_contacts`."
    ),
    metadata=tables.metadata,
    port=8001,
    routers=[api.router],
    responders=[handlers.ward_member_contacts_responder],
    schedules=[
        Schedule("reference-wards", load_reference_wards, every_seconds=3600),
        Schedule("meeting-cadence", meeting_cadence),
    ],
    demo=demo.load_demo_data,
)
