"""What the actions service listens to: events that complete the milestones bound to them."""

from __future__ import annotations

from sqlalchemy import select

from services.actions import tables
from services.actions.domain import Milestone
from services.actions.handlers.milestones import emit_completed
from shared.events import EventMeta
from shared.events.catalogue.grants import FundClosed, FundOpened
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork

# The events a milestone may be bound to (``handlers.milestones.BINDABLE_EVENT_TYPES`` names the same).
BindableEvent = FundOpened | FundClosed


async def complete_bound_milestones(event: BindableEvent, meta: EventMeta, uow: UnitOfWork) -> None:
    """Complete every pending milestone of the event's council bound to this event.

    The runtime commits (with the inbox record), so a redelivered event completes nothing twice.
    """
    if not meta.subject or not meta.council:
        return
    pending = (
        await uow.session.scalars(
            select(Milestone)
            .where(
                tables.milestones.c.council == meta.council,
                tables.milestones.c.bound_event_type == meta.type,
                tables.milestones.c.bound_subject == meta.subject,
                tables.milestones.c.status == "pending",
            )
            .order_by(tables.milestones.c.id)
            .with_for_update()
        )
    ).all()
    for milestone in pending:
        if not milestone.is_completed_by(meta.council, meta.type, meta.subject):
            continue
        milestone.complete(
            evidence=f"Completed by event {meta.type} {meta.id} (subject {meta.subject}).",
            at=meta.time,
            by_event=meta.id,
        )
        emit_completed(uow, milestone)
        uow.audit("actions.milestone.complete", milestone.id, by_event=meta.id, event_type=meta.type)


milestone_bindings = Consumer(
    name="actions.milestone-bindings",
    handle=complete_bound_milestones,
    description="Completes pending milestones bound to an event type and subject (e.g. a fund opening).",
)

CONSUMERS: tuple[Consumer, ...] = (milestone_bindings,)
