"""The actions service, declared: its routes, the milestone-bindings consumer and its clocks."""

from __future__ import annotations

from services.actions import demo, tables
from services.actions.api import routers
from services.actions.clocks import CLOCKS
from services.actions.consumers import CONSUMERS
from shared.service import ServiceDefinition

definition = ServiceDefinition(
    name="actions",
    title="Cohesion — actions",
    description=(
        "The partnership action plan: plans and their themes, actions, milestones (some completed by events), "
        "computed RAG, forum reviews and priority indicators. Publishes `actions.*` events."
    ),
    metadata=tables.metadata,
    port=8003,
    routers=routers,
    consumers=CONSUMERS,
    schedules=CLOCKS,
    demo=demo.load_demo_data,
)
