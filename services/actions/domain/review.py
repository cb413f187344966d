"""The forum's reviews of the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.actions.domain.rules import new_id


@dataclass
class PlanReview:
    """The Stronger Communities Forum's review of the plan: when, who was there, what it decided."""

    plan_id: str
    council: str
    held_on: date
    attendees: str
    decisions: list[str]
    recorded_by: str
    id: str = field(default_factory=new_id)
