"""The actions service, declared: its routes, the milestone-bindings consumer and its clocks."""

from __future__ import annotations

from fastapi import FastAPI

from services.actions import tables
from services.actions.api import routers
from services.actions.clocks import CLOCKS
from services.actions.consumers import CONSUMERS
from shared.service import ServiceDefinition, create_app
from shared.settings import Settings

definition = ServiceDefinition(
    name="actions",
    title="Cohesion — actions",
    description=(
        "The partnership action plan: plans and their themes, actions, milestones (some completed by events), "
        "computed RAG, forum reviews and priority indicators. Publishes `actions.*` events."
    ),
    metadata=tables.metadata,
    routers=routers,
    consumers=CONSUMERS,
    schedules=CLOCKS,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(definition, settings)
