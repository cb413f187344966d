"""Commands on the action plan: one plain function each; the unit of work arrives as an argument.

Each handler applies a domain rule, emits the thin event and the audit entry,
and commits; a rule it breaks surfaces as the domain's ``RuleBroken`` and
nothing is written. By resource: ``plans``, ``actions``, ``milestones``,
``indicators``; ``records`` loads a record within the caller's council.
"""

from services.actions.handlers.actions import add_action, added_action, record_progress
from services.actions.handlers.indicators import add_indicator, record_indicator_value
from services.actions.handlers.milestones import (
    BINDABLE_EVENT_TYPES,
    OVERDUE,
    add_milestone,
    added_milestone,
    check_binding,
    complete_milestone,
    emit_completed,
    raise_overdue_milestones,
)
from services.actions.handlers.plans import added_plan, create_plan, review_plan
from services.actions.handlers.records import (
    action_of,
    indicator_of,
    lead_organisations,
    milestone_of,
    plan_of,
    values_of,
)

__all__ = [
    "BINDABLE_EVENT_TYPES",
    "OVERDUE",
    "action_of",
    "add_action",
    "add_indicator",
    "add_milestone",
    "added_action",
    "added_milestone",
    "added_plan",
    "check_binding",
    "complete_milestone",
    "create_plan",
    "emit_completed",
    "indicator_of",
    "lead_organisations",
    "milestone_of",
    "plan_of",
    "raise_overdue_milestones",
    "record_indicator_value",
    "record_progress",
    "review_plan",
    "values_of",
]
