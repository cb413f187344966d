"""The partnership action plan, in the council's words; plain Python, no framework.

A Plan has themes; each Action sits under one of them, has a lead partner
organisation, an owner and start and due dates; Milestones mark the way and may
be bound to a domain event that completes them. RAG is computed from progress
and elapsed time, never typed in. Indicators (Leeds "priority indicators") carry
a baseline, a target and periodic values with a direction of travel.

By aggregate: ``plan`` (plan and themes), ``action`` (action, progress, RAG),
``milestone``, ``review`` (the forum's reviews), ``indicator``.
"""

from services.actions.domain.action import (
    AMBER_FROM,
    GREEN_FROM,
    RAGS,
    Action,
    Progress,
    Rag,
    percent_of_time_elapsed,
    performance,
    rag,
    rag_by_theme,
    rag_for_performance,
)
from services.actions.domain.indicator import Direction, Indicator, IndicatorValue, direction_of_travel
from services.actions.domain.milestone import EventBinding, Milestone, MilestoneStatus
from services.actions.domain.plan import Plan
from services.actions.domain.review import PlanReview
from services.actions.domain.rules import InvalidCommand, new_id

__all__ = [
    "AMBER_FROM",
    "GREEN_FROM",
    "RAGS",
    "Action",
    "Direction",
    "EventBinding",
    "Indicator",
    "IndicatorValue",
    "InvalidCommand",
    "Milestone",
    "MilestoneStatus",
    "Plan",
    "PlanReview",
    "Progress",
    "Rag",
    "direction_of_travel",
    "new_id",
    "percent_of_time_elapsed",
    "performance",
    "rag",
    "rag_by_theme",
    "rag_for_performance",
]
