"""Milestones mark an action's way; one may be bound to a domain event that completes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from services.actions.domain.rules import InvalidCommand, new_id
from shared.calendar import today_in_london
from shared.rules import IllegalState

MilestoneStatus = Literal["pending", "complete"]


@dataclass(frozen=True)
class EventBinding:
    """A milestone completes itself when an event of this type arrives about this thing.

    "About this thing" is either its CloudEvents ``subject`` (the id of the
    aggregate: for ``grants.fund.*`` the fund id) or, where the thing is not the
    event's aggregate, a field of its data holding a value (``wards.meeting.held``
    with ``ward_code`` E05012996).
    """

    event_type: str
    subject: str | None = None
    data_field: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        by_subject = self.subject is not None
        by_field = self.data_field is not None and self.value is not None
        if by_subject == by_field or (self.data_field is None) != (self.value is None):
            raise InvalidCommand(
                "A binding matches either the event's subject or one field of its data with a value, not both.",
                field="binding",
            )

    def matches(self, event_type: str, subject: str, data: Mapping[str, Any]) -> bool:
        if event_type != self.event_type:
            return False
        if self.data_field is not None:
            return self.data_field in data and str(data[self.data_field]) == self.value
        return subject == self.subject


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
    bound_field: str | None = None
    bound_value: str | None = None
    created_at: datetime | None = None
    id: str = field(default_factory=new_id)

    @property
    def binding(self) -> EventBinding | None:
        if self.bound_event_type is None:
            return None
        return EventBinding(self.bound_event_type, self.bound_subject, self.bound_field, self.bound_value)

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
            raise InvalidCommand("Completing a milestone needs evidence.", field="evidence")
        self.status = "complete"
        self.evidence = evidence.strip()
        self.completed_at = at
        self.completed_by_event = by_event

    def is_completed_by(
        self, council: str, event_type: str, subject: str, data: Mapping[str, Any] | None = None
    ) -> bool:
        binding = self.binding
        return (
            self.status == "pending"
            and self.council == council
            and binding is not None
            and binding.matches(event_type, subject, data or {})
        )

    def is_overdue(self, today: date) -> bool:
        return self.status == "pending" and self.due_on < today

    def was_overdue_on(self, day: date) -> bool:
        """Overdue as things stood on ``day``: past due then, and not completed by then."""
        completed_by_then = self.completed_at is not None and today_in_london(self.completed_at) <= day
        return self.due_on < day and not completed_by_then
