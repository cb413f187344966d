"""Milestones mark an action's way; one may be bound to a domain event that completes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from services.actions.domain.rules import InvalidCommand, new_id
from shared.rules import IllegalState

MilestoneStatus = Literal["pending", "complete"]


@dataclass(frozen=True)
class EventBinding:
    """A milestone completes itself when an event of this type arrives for this subject (the aggregate id).

    Subject, not a data field: every event's CloudEvents ``subject`` is the id of
    the aggregate it is about (for ``grants.fund.*`` the fund id), so "this event
    about this thing" is all a user has to say.
    """

    event_type: str
    subject: str


@dataclass
class Milestone:
    action_id: str
    plan_id: str
    council: str
    title: str
    due_on: date
    status: MilestoneStatus = "pending"
    evidence: str | None = None
    completed_at: datetime | None = None
    completed_by_event: str | None = None
    bound_event_type: str | None = None
    bound_subject: str | None = None
    id: str = field(default_factory=new_id)

    @property
    def binding(self) -> EventBinding | None:
        if self.bound_event_type is None or self.bound_subject is None:
            return None
        return EventBinding(self.bound_event_type, self.bound_subject)

    def complete(self, *, evidence: str, at: datetime, by_event: str | None = None) -> None:
        if self.status == "complete":
            how = f" by event {self.completed_by_event}" if self.completed_by_event else ""
            raise IllegalState(
                f"Milestone {self.id} is already complete (completed {self.completed_at:%Y-%m-%d %H:%M}{how}); "
                "it cannot be completed again.",
                current=self.status,
                current_status=self.status,
            )
        if not evidence.strip():
            raise InvalidCommand("Completing a milestone needs evidence.")
        self.status = "complete"
        self.evidence = evidence.strip()
        self.completed_at = at
        self.completed_by_event = by_event

    def is_completed_by(self, council: str, event_type: str, subject: str) -> bool:
        return (
            self.status == "pending" and self.council == council and self.binding == EventBinding(event_type, subject)
        )

    def is_overdue(self, today: date) -> bool:
        return self.status == "pending" and self.due_on < today
