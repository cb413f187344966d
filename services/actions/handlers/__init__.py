"""Commands on the action plan: one plain function each; the unit of work arrives as an argument.

Each handler applies a domain rule, emits the thin event and the audit entry,
and commits; a rule it breaks surfaces as the domain's ``RuleBroken`` and
nothing is written. By resource: ``plans`` (with priorities, objectives and
sign-off), ``reviews``, ``actions`` (with RAG), ``milestones``, ``indicators``,
``bodies`` (boards and forums), ``groups`` (task and finish groups); ``records``
loads a record within the caller's council; ``imports`` reads a plan from CSV.
"""

from services.actions.handlers.actions import (
    add_action,
    added_action,
    record_progress,
    settle_rags,
    staged_action,
)
from services.actions.handlers.bodies import form_body, set_body_members
from services.actions.handlers.groups import close_group, form_group, raise_overrun_groups
from services.actions.handlers.imports import import_plan
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
    staged_milestone,
)
from services.actions.handlers.plans import (
    add_objective,
    add_priority,
    added_objective,
    added_plan,
    added_priority,
    create_plan,
    sign_off_plan,
)
from services.actions.handlers.records import (
    action_of,
    body_of,
    group_of,
    indicator_of,
    lead_organisations,
    milestone_of,
    objective_of,
    plan_of,
    priority_of,
    values_of,
)
from services.actions.handlers.reviews import (
    AddAction,
    AddIndicator,
    AddMilestone,
    AddObjective,
    AddPriority,
    MoveDueDate,
    PlanChange,
    review_plan,
)

__all__ = [
    "BINDABLE_EVENT_TYPES",
    "OVERDUE",
    "AddAction",
    "AddIndicator",
    "AddMilestone",
    "AddObjective",
    "AddPriority",
    "MoveDueDate",
    "PlanChange",
    "action_of",
    "add_action",
    "add_indicator",
    "add_milestone",
    "add_objective",
    "add_priority",
    "added_action",
    "added_milestone",
    "added_objective",
    "added_plan",
    "added_priority",
    "body_of",
    "check_binding",
    "close_group",
    "complete_milestone",
    "create_plan",
    "emit_completed",
    "form_body",
    "form_group",
    "group_of",
    "import_plan",
    "indicator_of",
    "lead_organisations",
    "milestone_of",
    "objective_of",
    "plan_of",
    "priority_of",
    "raise_overdue_milestones",
    "raise_overrun_groups",
    "record_indicator_value",
    "record_progress",
    "review_plan",
    "set_body_members",
    "settle_rags",
    "sign_off_plan",
    "staged_action",
    "staged_milestone",
    "values_of",
]
