"""What the actions service listens to: events that complete the milestones bound to them."""

from __future__ import annotations

from sqlalchemy import select

from services.actions import tables
from services.actions.domain import Milestone
from services.actions.handlers.milestones import BINDABLE_EVENT_TYPES, emit_completed
from shared.events import Envelope
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork


async def complete_bound_milestones(envelope: Envelope, uow: UnitOfWork) -> None:
    """Complete every pending milestone of the event's council bound to this event.

    The runtime commits (with the inbox record), so a redelivered event completes nothing twice.
    """
    if envelope.type not in BINDABLE_EVENT_TYPES or not envelope.subject or not envelope.council:
        return
    pending = (
        await uow.session.scalars(
            select(Milestone)
            .where(
                tables.milestones.c.council == envelope.council,
                tables.milestones.c.bound_event_type == envelope.type,
                tables.milestones.c.bound_subject == envelope.subject,
                tables.milestones.c.status == "pending",
            )
            .order_by(tables.milestones.c.id)
            .with_for_update()
        )
    ).all()
    for milestone in pending:
        if not milestone.is_completed_by(envelope.council, envelope.type, envelope.subject):
            continue
        milestone.complete(
            evidence=f"Completed by event {envelope.type} {envelope.id} (subject {envelope.subject}).",
            at=envelope.time,
            by_event=envelope.id,
        )
        emit_completed(uow, milestone)
        uow.audit("actions.milestone.complete", milestone.id, by_event=envelope.id, event_type=envelope.type)


milestone_bindings = Consumer(
    name="actions.milestone-bindings",
    bindings=BINDABLE_EVENT_TYPES,
    handle=complete_bound_milestones,
    description="Completes pending milestones bound to an event type and subject (e.g. a fund opening).",
)

CONSUMERS: tuple[Consumer, ...] = (milestone_bindings,)
