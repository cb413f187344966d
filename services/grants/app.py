"""The grants service, wired: its HTTP API, its ward directory consumer, its RPC answer and its two daily clocks."""

from __future__ import annotations

from fastapi import FastAPI

from services.grants import api, tables
from services.grants.clocks import funds_on_their_dates, monitoring_notices
from services.grants.consumers import ward_directory
from services.grants.responders import grantee_contact_responder
from shared.service import Schedule, ServiceDefinition, create_app
from shared.settings import Settings

definition = ServiceDefinition(
    name="grants",
    title="Cohesion — grants",
    description=(
        "The small-grants fund: funds and their funders, applications, assessment by the forum, "
        "awards committed against the fund and paid in tranches, monitoring reports, and the 360Giving "
        "open-data export. Publishes `grants.*` events."
    ),
    metadata=tables.metadata,
    routers=api.routers,
    consumers=[ward_directory],
    responders=[grantee_contact_responder],
    schedules=[
        Schedule("fund-dates", funds_on_their_dates),
        Schedule("monitoring-notices", monitoring_notices),
    ],
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(definition, settings)
