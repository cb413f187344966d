"""The wards service, wired: its routers, its clocks (the reference-wards load and the meeting cadence)
and its answer to ``wards.member_contacts``."""

from __future__ import annotations

from services.wards import api, clocks, demo, responders, tables
from shared.service import Schedule, ServiceDefinition

definition = ServiceDefinition(
    name="wards",
    title="Cohesion — wards",
    description=(
        "Wards, their boundary sets and neighbourhood working: elected members, ward meetings and their "
        "cadence. Publishes `wards.*` events; answers `wards.member_contacts`."
    ),
    metadata=tables.metadata,
    port=8001,
    routers=api.routers,
    responders=[responders.ward_member_contacts_responder],
    schedules=[
        Schedule("reference-wards", clocks.load_reference_wards, every_seconds=3600),
        Schedule("meeting-cadence", clocks.meeting_cadence),
    ],
    demo=demo.load_demo_data,
)
