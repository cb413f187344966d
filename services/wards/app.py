"""The wards service, wired: its routers, its clocks (the reference-wards load and the meeting cadence)
and its answer to ``wards.member_contacts``."""

from __future__ import annotations

from fastapi import FastAPI

from services.wards import api, clocks, responders, tables
from shared.service import Schedule, ServiceDefinition, create_app
from shared.settings import Settings

definition = ServiceDefinition(
    name="wards",
    title="Cohesion — wards",
    description=(
        "Wards, their boundary sets and neighbourhood working: elected members, ward meetings and their "
        "cadence, devolved budgets (CLF, ward revenue and capital) and their spending. Publishes `wards.*` "
        "events; answers `wards.member_contacts` and `wards.spend_contacts`."
    ),
    metadata=tables.metadata,
    routers=api.routers,
    responders=[responders.ward_member_contacts_responder, responders.spend_contacts_responder],
    schedules=[
        Schedule("reference-wards", clocks.load_reference_wards, every_seconds=3600),
        Schedule("meeting-cadence", clocks.meeting_cadence),
        Schedule("quarterly-updates-overdue", clocks.quarterly_updates_overdue),
    ],
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(definition, settings)
