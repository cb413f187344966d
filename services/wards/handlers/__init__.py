"""Commands of the wards service, one plain async function each; the unit of work arrives as an argument.

They raise the domain's rule errors (``services.wards.domain.WardsError``), never an HTTP problem.
"""

from services.wards.handlers.budgets import (
    acting_member,
    boundary_sets_of,
    budget_of,
    pool_clf,
    record_boundary_set,
    rework_clf,
    set_year_budgets,
    utilisation,
    ward_budget,
)
from services.wards.handlers.engagement import engagements_of, record_ward_engagement
from services.wards.handlers.localities import (
    change_cluster,
    cluster_of,
    clusters_of,
    create_cluster,
    localities_of,
    name_locality_champion,
    pool_cluster_budget,
    record_succession,
    succession_of,
)
from services.wards.handlers.meetings import MEETINGS_BEHIND, hold_meeting, meeting_of, raise_cadence_notices
from services.wards.handlers.members import elect_member, member_of, members_of_ward, stand_down_member
from services.wards.handlers.plans import (
    draft_ward_plan,
    ensure_plan_priority,
    plan_version,
    plan_versions,
    publish_ward_plan,
    published_plan,
    revise_ward_plan,
    set_council_themes,
    themes_of,
)
from services.wards.handlers.profiles import (
    add_community_asset,
    grant_awarded,
    grant_changed,
    place_profile_of,
    record_place_profile,
)
from services.wards.handlers.reports import annual_report
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
from services.wards.handlers.updates import (
    UPDATE_OVERDUE,
    raise_overdue_updates,
    submit_quarterly_update,
    updates_of,
)
from services.wards.handlers.wards import register_wards, republish_wards, ward_of

__all__ = [
    "MEETINGS_BEHIND",
    "UPDATE_OVERDUE",
    "acting_member",
    "add_community_asset",
    "annual_report",
    "appoint_approvers",
    "approve_spending",
    "approvers_of",
    "boundary_sets_of",
    "budget_of",
    "cancel_spending",
    "change_cluster",
    "cluster_of",
    "clusters_of",
    "create_cluster",
    "draft_ward_plan",
    "elect_member",
    "engagements_of",
    "ensure_plan_priority",
    "grant_awarded",
    "grant_changed",
    "hold_meeting",
    "localities_of",
    "meeting_of",
    "member_of",
    "members_of_ward",
    "name_locality_champion",
    "place_profile_of",
    "plan_version",
    "plan_versions",
    "pool_clf",
    "pool_cluster_budget",
    "publish_ward_plan",
    "published_plan",
    "raise_cadence_notices",
    "raise_overdue_updates",
    "record_boundary_set",
    "record_place_profile",
    "record_spent",
    "record_succession",
    "record_ward_engagement",
    "refuse_spending",
    "register_wards",
    "republish_wards",
    "request_spending",
    "request_spending_for_decisions",
    "revise_ward_plan",
    "rework_clf",
    "set_council_themes",
    "set_year_budgets",
    "spend_request_of",
    "stand_down_member",
    "submit_quarterly_update",
    "succession_of",
    "themes_of",
    "updates_of",
    "utilisation",
    "ward_budget",
    "ward_of",
]
