"""The forum's or board's reviews of the plan; after sign-off a review is the only way the plan changes."""

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
    body_id: str | None = None
    changes: list[str] = field(default_factory=list)  # what it changed, in words ("Added action …")
    id: str = field(default_factory=new_id)
