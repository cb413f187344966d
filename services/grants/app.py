"""The grants service, wired: its HTTP API and its ward directory consumer."""

from __future__ import annotations

from fastapi import FastAPI

from services.grants import api, tables
from services.grants.handlers import ward_directory
from shared.service import ServiceDefinition, create_app
from shared.settings import Settings

definition = ServiceDefinition(
    name="grants",
    title="Cohesion — grants",
    description=(
        "The small-grants fund: funds and their funders, applications, assessment by the forum, "
        "awards committed against the fund and paid in tranches. Publishes `grants.*` events."
    ),
    metadata=tables.metadata,
    routers=[api.router],
    consumers=[ward_directory],
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(definition, settings)
