"""The partnership action plan, in the council's words; plain Python, no framework.

A Plan has a vision, themes and priorities with objectives under them; each
Action sits under a theme, serves an objective, has a lead partner organisation,
an owner and start and due dates; Milestones mark the way and may be bound to a
domain event that completes them. RAG is computed from progress and elapsed
time, never typed in. Boards and forums own and review plans; task and finish
groups carry actions for a limited time. Indicators (Leeds "priority
indicators") carry a baseline, a target and periodic values with a direction of
travel.

By aggregate: ``plan``, ``priority`` (priorities and objectives), ``action``
(action, progress, RAG), ``milestone``, ``review``, ``body`` (boards and forums),
``group`` (task and finish groups), ``indicator``, ``history`` (the plan as at a
past date).
"""

from services.actions.domain.action import (
    AMBER_FROM,
    GREEN_FROM,
    RAGS,
    Action,
    Progress,
    Rag,
    RagChange,
    Reschedule,
    percent_of_time_elapsed,
    performance,
    rag,
    rag_by_theme,
    rag_for_performance,
)
from services.actions.domain.body import Body, BodyKind, Member, MemberRole
from services.actions.domain.group import GroupStatus, TaskAndFinishGroup
from services.actions.domain.history import IndicatorThen, OverdueThen, PlanAsAt, plan_as_at
from services.actions.domain.indicator import Direction, Indicator, IndicatorValue, direction_of_travel
from services.actions.domain.milestone import EventBinding, Milestone, MilestoneStatus
from services.actions.domain.plan import Plan, PlanStatus
from services.actions.domain.priority import Objective, Priority
from services.actions.domain.review import PlanReview
from services.actions.domain.rules import InvalidCommand, NotPermitted, new_id

__all__ = [
    "AMBER_FROM",
    "GREEN_FROM",
    "RAGS",
    "Action",
    "Body",
    "BodyKind",
    "Direction",
    "EventBinding",
    "GroupStatus",
    "Indicator",
    "IndicatorThen",
    "IndicatorValue",
    "InvalidCommand",
    "Member",
    "MemberRole",
    "Milestone",
    "MilestoneStatus",
    "NotPermitted",
    "Objective",
    "OverdueThen",
    "Plan",
    "PlanAsAt",
    "PlanReview",
    "PlanStatus",
    "Priority",
    "Progress",
    "Rag",
    "RagChange",
    "Reschedule",
    "TaskAndFinishGroup",
    "direction_of_travel",
    "new_id",
    "percent_of_time_elapsed",
    "performance",
    "plan_as_at",
    "rag",
    "rag_by_theme",
    "rag_for_performance",
]
