"""Events published by the actions service."""

from __future__ import annotations

from datetime import datetime

from shared.events.base import EventData

GssCode = str
Pence = int

class MilestoneCompleted(EventData, event_type="actions.milestone.completed.v1"):
    milestone_id: str
    action_id: str
    plan_id: str
    completed_at: datetime
    completed_by_event: str | None = None
