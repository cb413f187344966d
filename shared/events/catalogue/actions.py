"""Events published by the actions service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from shared.events.base import EventData

GssCode = str
Pence = int


Rag = Literal["green", "amber", "red"]


class PlanCreated(EventData, event_type="actions.plan.created.v1"):
    plan_id: str
    period_start: date
    period_end: date
    themes: list[str]
    area: str | None = None  # one area of the council (e.g. "Eastwood"); None for the whole council
    owner_body_id: str | None = None
    reviewer_body_id: str | None = None


class PlanSignedOff(EventData, event_type="actions.plan.signed_off.v1"):
    """The owning board signed the plan off: from now on it changes only through recorded reviews."""

    plan_id: str
    body_id: str
    signed_off_on: date


class PriorityAdded(EventData, event_type="actions.priority.added.v1"):
    priority_id: str
    plan_id: str
    number: int
    review_id: str | None = None  # the review that made the change, once the plan is signed off


class ObjectiveAdded(EventData, event_type="actions.objective.added.v1"):
    objective_id: str
    priority_id: str
    plan_id: str
    review_id: str | None = None


class BodyFormed(EventData, event_type="actions.body.formed.v1"):
    """A board, forum or partnership (its members' names: through the API, never in the event)."""

    body_id: str
    kind: Literal["board", "forum", "partnership"]
    member_count: int


class BodyMembershipChanged(EventData, event_type="actions.body.membership_changed.v1"):
    body_id: str
    member_count: int


class GroupFormed(EventData, event_type="actions.group.formed.v1"):
    """A task and finish group formed to carry some of a plan's actions until its end date."""

    group_id: str
    plan_id: str
    starts_on: date
    ends_on: date
    member_count: int


class GroupClosed(EventData, event_type="actions.group.closed.v1"):
    group_id: str
    plan_id: str
    closed_on: date


class GroupOverran(EventData, event_type="actions.group.overran.v1"):
    """A task and finish group is still open after its end date (raised once per group)."""

    group_id: str
    plan_id: str
    ends_on: date


class PlanReviewed(EventData, event_type="actions.plan.reviewed.v1"):
    """A forum or board reviewed the plan (attendees, decisions and the changes it made: through the API)."""

    plan_id: str
    review_id: str
    held_on: date
    decision_count: int
    body_id: str | None = None
    change_count: int = 0  # changes to a signed-off plan made by this review


class ActionCreated(EventData, event_type="actions.action.created.v1"):
    action_id: str
    plan_id: str
    theme: str
    starts_on: date
    due_on: date
    objective_id: str | None = None
    group_id: str | None = None
    review_id: str | None = None


class ActionRescheduled(EventData, event_type="actions.action.rescheduled.v1"):
    """A review of the signed-off plan moved the action's due date."""

    action_id: str
    plan_id: str
    due_on: date
    review_id: str


class ActionRagChanged(EventData, event_type="actions.action.rag_changed.v1"):
    """The action's computed RAG moved: after a progress update, as time alone passed (a daily check), or a review."""

    action_id: str
    plan_id: str
    previous_rag: Rag
    rag: Rag
    as_of: date
    cause: Literal["progress", "time", "review"]  # a progress update, time passing, or a review moving a date


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
    bound_field: str | None = None
    bound_value: str | None = None
    review_id: str | None = None


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
