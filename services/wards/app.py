"""The wards service, wired: its routers, its consumer of grants' awards (for place profiles), its clocks
(the reference-wards load, the meeting cadence, overdue quarterly updates), its answers to
``wards.member_contacts`` and ``wards.spend_contacts``, and its demo data and scenario."""

from __future__ import annotations

from services.wards import api, clocks, consumers, demo, responders, tables
from shared.service import Schedule, ServiceDefinition

definition = ServiceDefinition(
    name="wards",
    title="Cohesion — wards",
    description=(
        "Wards, their boundary sets and neighbourhood working: elected members, ward meetings and their "
        "cadence, devolved budgets (CLF, ward revenue and capital) and their spending; localities, clusters, "
        "ward plans, quarterly updates, resident engagement, public place profiles and the annual report on "
        "neighbourhood working. Publishes `wards.*` events; consumes grants' awards; answers `wards.member_contacts` and `wards.spend_contacts`."
    ),
    metadata=tables.metadata,
    port=8001,
    routers=api.routers,
    consumers=consumers.CONSUMERS,
    responders=[responders.ward_member_contacts_responder, responders.spend_contacts_responder],
    schedules=[
        Schedule("reference-wards", clocks.load_reference_wards, every_seconds=3600),
        Schedule("meeting-cadence", clocks.meeting_cadence),
        Schedule("quarterly-updates-overdue", clocks.quarterly_updates_overdue),
    ],
    demo=demo.load_demo_data,
    scenario=demo.scenario,
)
