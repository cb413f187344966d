"""The wards service, wired: its routes and its start-up load of the reference wards."""

from __future__ import annotations

from fastapi import FastAPI

from services.wards import api, tables
from services.wards.handlers import read_reference_wards, register_wards
from shared.service import Runtime, Schedule, ServiceDefinition, create_app
from shared.settings import Settings
from shared.unit_of_work import Actor


async def load_reference_wards(runtime: Runtime) -> None:
    """Keep the bundled reference wards (Rotherham, WD24) loaded; only changes are published."""
    async with runtime.uow(Actor("system:wards-reference")) as uow:
        await register_wards(uow, read_reference_wards())


definition = ServiceDefinition(
    name="wards",
    title="Cohesion — wards",
    description="Wards, their boundary sets and neighbourhood working. Publishes `wards.*` events.",
    metadata=tables.metadata,
    routers=[api.router],
    schedules=[Schedule("reference-wards", load_reference_wards, every_seconds=3600)],
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(definition, settings)
