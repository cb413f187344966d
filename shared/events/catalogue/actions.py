"""Events published by the actions service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from shared.events.base import EventData

GssCode = str
Pence = int


class PlanCreated(EventData, event_type="actions.plan.created.v1"):
    plan_id: str
    period_start: date
    period_end: date
    themes: list[str]


class PlanReviewed(EventData, event_type="actions.plan.reviewed.v1"):
    """The Stronger Communities Forum reviewed the plan (details, attendees and decisions: through the API)."""

    plan_id: str
    review_id: str
    held_on: date
    decision_count: int


class ActionCreated(EventData, event_type="actions.action.created.v1"):
    action_id: str
    plan_id: str
    theme: str
    starts_on: date
    due_on: date


class ActionProgressRecorded(EventData, event_type="actions.action.progress_recorded.v1"):
    action_id: str
    plan_id: str
    progress_id: str
    percent_complete: int = Field(ge=0, le=100)
    rag: Literal["green", "amber", "red"]


class MilestoneCreated(EventData, event_type="actions.milestone.created.v1"):
    milestone_id: str
    action_id: str
    plan_id: str
    due_on: date
    bound_event_type: str | None = None
    bound_subject: str | None = None


class MilestoneCompleted(EventData, event_type="actions.milestone.completed.v1"):
    milestone_id: str
    action_id: str
    plan_id: str
    completed_at: datetime
    completed_by_event: str | None = None


class MilestoneOverdue(EventData, event_type="actions.milestone.overdue.v1"):
    milestone_id: str
    action_id: str
    plan_id: str
    due_on: date
    # The action's lead partner, so an alert can be addressed to it (an organisation, not a person).
    lead_organisation: str | None = None


class IndicatorCreated(EventData, event_type="actions.indicator.created.v1"):
    indicator_id: str
    plan_id: str
    higher_is_better: bool
    baseline: float
    target: float


class IndicatorValueRecorded(EventData, event_type="actions.indicator.value_recorded.v1"):
    indicator_id: str
    plan_id: str
    period: str
    period_end: date
    value: float
    direction: Literal["improving", "worsening", "stable"] | None = None
