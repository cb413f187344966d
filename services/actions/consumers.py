"""What the actions service listens to: events that complete the milestones bound to them.

A milestone may be bound to any event type of the catalogue (but the
notifications plumbing's per-message records), matched on the event's subject
or on a field of its data; the consumer binds every such type.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from services.actions import tables
from services.actions.domain import Milestone
from services.actions.handlers.milestones import BINDABLE_EVENT_TYPES, emit_completed
from shared.events import EventMeta
from shared.events.base import CATALOGUE, EventData
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork


async def complete_bound_milestones(event: EventData, meta: EventMeta, uow: UnitOfWork) -> None:
    """Complete every pending milestone of the event's council bound to this event.

    The runtime commits (with the inbox record), so a redelivered event completes nothing twice.
    """
    if meta.type not in BINDABLE_EVENT_TYPES or not meta.subject or not meta.council:
        return
    pending = (
        await uow.session.scalars(
            select(Milestone)
            .where(
                tables.milestones.c.council == meta.council,
                tables.milestones.c.bound_event_type == meta.type,
                or_(
                    tables.milestones.c.bound_subject == meta.subject,
                    tables.milestones.c.bound_field.is_not(None),
                ),
                tables.milestones.c.status == "pending",
            )
            .order_by(tables.milestones.c.id)
            .with_for_update()
        )
    ).all()
    data = event.model_dump(mode="json")
    for milestone in pending:
        if not milestone.is_completed_by(meta.council, meta.type, meta.subject, data):
            continue
        binding = milestone.binding
        about = f"{binding.data_field} {binding.value}" if binding and binding.data_field else f"subject {meta.subject}"
        milestone.complete(
            evidence=f"Completed by event {meta.type} {meta.id} ({about}).",
            at=meta.time,
            by_event=meta.id,
        )
        emit_completed(uow, milestone)
        uow.audit("actions.milestone.complete", milestone.id, by_event=meta.id, event_type=meta.type)


milestone_bindings = Consumer(
    name="actions.milestone-bindings",
    handle=complete_bound_milestones,
    events=tuple(CATALOGUE[t] for t in BINDABLE_EVENT_TYPES),
    description=(
        "Completes pending milestones bound to an event type and its subject or a field of its data "
        "(e.g. a fund opening, a ward meeting held)."
    ),
)

CONSUMERS: tuple[Consumer, ...] = (milestone_bindings,)
