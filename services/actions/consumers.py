"""What the actions service listens to: events that complete the milestones bound to them."""

from __future__ import annotations

from services.actions.handlers import complete_bound_milestones
from shared.messaging.consumer import Consumer

milestone_bindings = Consumer(
    name="actions.milestone-bindings",
    handle=complete_bound_milestones,
    description="Completes pending milestones bound to an event type and subject (e.g. a fund opening).",
)

CONSUMERS: tuple[Consumer, ...] = (milestone_bindings,)
