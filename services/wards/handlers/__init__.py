"""Commands of the wards service, one plain async function each; the unit of work arrives as an argument.

They raise the domain's rule errors (``services.wards.domain.WardsError``), never an HTTP problem.
"""

from services.wards.handlers.budgets import (
    acting_member,
    boundary_sets_of,
    budget_of,
    pool_clf,
    poolings_of,
    record_boundary_set,
    rework_clf,
    set_year_budgets,
    utilisation,
    ward_budget,
)
from services.wards.handlers.meetings import MEETINGS_BEHIND, hold_meeting, meeting_of, raise_cadence_notices
from services.wards.handlers.members import elect_member, member_of, members_of_ward, stand_down_member
from services.wards.handlers.spending import (
    appoint_approvers,
    approve_spending,
    approvers_of,
    cancel_spending,
    record_spent,
    refuse_spending,
    request_spending,
    request_spending_for_decisions,
    spend_request_of,
)
from services.wards.handlers.wards import register_wards, republish_wards, ward_of

__all__ = [
    "MEETINGS_BEHIND",
    "acting_member",
    "appoint_approvers",
    "approve_spending",
    "approvers_of",
    "boundary_sets_of",
    "budget_of",
    "cancel_spending",
    "elect_member",
    "hold_meeting",
    "meeting_of",
    "member_of",
    "members_of_ward",
    "pool_clf",
    "poolings_of",
    "raise_cadence_notices",
    "record_boundary_set",
    "record_spent",
    "refuse_spending",
    "register_wards",
    "republish_wards",
    "request_spending",
    "request_spending_for_decisions",
    "rework_clf",
    "set_year_budgets",
    "spend_request_of",
    "stand_down_member",
    "utilisation",
    "ward_budget",
    "ward_of",
]
