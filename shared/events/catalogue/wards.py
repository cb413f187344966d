"""Events published by the wards service.

Payloads carry ids, GSS codes, dates and counts only: a ward member's name and
email never leave the wards service (notifications asks for them over RPC,
``wards.member_contacts``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from shared.events.base import EventData

GssCode = str
Pence = int


class WardRegistered(EventData, event_type="wards.ward.registered.v1"):
    """A ward exists in a boundary set (published when wards are loaded or change)."""

    gss_code: GssCode
    name: str
    local_authority_gss: GssCode
    boundary_set: str
    locality: Literal["north", "central", "south"] | None = None
    latitude: float | None = None
    longitude: float | None = None


class MemberElected(EventData, event_type="wards.member.elected.v1"):
    """A councillor was recorded as an elected member of a ward."""

    member_id: str
    gss_code: GssCode
    term_starts_on: date | None = None
    term_ends_on: date | None = None


class MemberStoodDown(EventData, event_type="wards.member.stood_down.v1"):
    """A ward member stood down; from `stood_down_on` they are no longer a member of the ward."""

    member_id: str
    gss_code: GssCode
    stood_down_on: date


class MeetingHeld(EventData, event_type="wards.meeting.held.v1"):
    """A ward meeting was held and recorded, with the number of decisions and the budget they allocated."""

    meeting_id: str
    gss_code: GssCode
    held_on: date
    decision_count: int = Field(ge=0)
    budget_allocated_pence: Pence = Field(default=0, ge=0)


class MeetingsBehind(EventData, event_type="wards.ward.meetings_behind.v1"):
    """A ward held fewer meetings than the cadence expects by a quarter's end (N by the end of quarter N; 4 a year).

    Raised once per ward, financial year and quarter checkpoint; `as_of` is the quarter's last day.
    """

    gss_code: GssCode
    financial_year: str = Field(examples=["2017-18"])
    quarter: int = Field(ge=1, le=4)
    meetings_held: int = Field(ge=0)
    meetings_expected: int = Field(ge=1)
    as_of: date


# --- Devolved budgets and spending (Thriving Neighbourhoods, 2018) ----------------------------------

BudgetKind = Literal["clf", "revenue", "capital"]
FinancialYearLabel = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2017-18"])]


class BoundarySetRecorded(EventData, event_type="wards.boundary_set.recorded.v1"):
    """A council's boundary set is in force from a day; a year's ward budgets are shared across the set in force
    on 1 April."""

    code: str = Field(examples=["WD24"])
    in_force_from: date


class BudgetShared(EventData, event_type="wards.budget.shared.v1"):
    """A council total for a year's ward revenue or capital budgets was shared evenly across the wards of the
    boundary set in force; the `remainder_pence` left by the division went a penny each to `remainder_wards`."""

    sharing_id: str
    financial_year: FinancialYearLabel
    kind: BudgetKind
    boundary_set: str
    total_pence: Pence = Field(ge=0)
    ward_count: int = Field(ge=1)
    share_pence: Pence = Field(ge=0)
    remainder_pence: Pence = Field(ge=0)
    remainder_wards: list[GssCode] = Field(default_factory=list)


class BudgetAllocated(EventData, event_type="wards.budget.allocated.v1"):
    """A ward's budget for a financial year was allocated (or, for a member's CLF, re-worked by the council's
    rule for members elected or standing down during the year); `member_id` only for a CLF."""

    budget_id: str
    gss_code: GssCode
    financial_year: FinancialYearLabel
    kind: BudgetKind
    member_id: str | None = None
    allocated_pence: Pence = Field(ge=0)


class BudgetPooled(EventData, event_type="wards.budget.pooled.v1"):
    """A member pooled CLF money into their ward's revenue budget; the money keeps its origin (`from_budget_id`)."""

    pooling_id: str
    gss_code: GssCode
    financial_year: FinancialYearLabel
    from_budget_id: str
    to_budget_id: str
    member_id: str
    amount_pence: Pence = Field(gt=0)


class SpendRequested(EventData, event_type="wards.spend_request.requested.v1"):
    """A spend request awaits the approver; its money is held in the budget. `meeting_id` when a ward meeting
    decided it."""

    spend_request_id: str
    budget_id: str
    gss_code: GssCode
    financial_year: FinancialYearLabel
    budget_kind: BudgetKind
    amount_pence: Pence = Field(gt=0)
    capital_item: bool
    meeting_id: str | None = None


class SpendApproved(EventData, event_type="wards.spend_request.approved.v1"):
    """The approver approved a spend request: its money is committed."""

    spend_request_id: str
    budget_id: str
    gss_code: GssCode
    committed_pence: Pence = Field(gt=0)


class SpendRefused(EventData, event_type="wards.spend_request.refused.v1"):
    """The approver refused a spend request (the reason is read through the API): its money is released."""

    spend_request_id: str
    budget_id: str
    gss_code: GssCode
    released_pence: Pence = Field(gt=0)


class SpendRecorded(EventData, event_type="wards.spend_request.spent.v1"):
    """Finance recorded the money spent, at most what was committed; the rest (`released_pence`) is released."""

    spend_request_id: str
    budget_id: str
    gss_code: GssCode
    spent_pence: Pence = Field(gt=0)
    released_pence: Pence = Field(ge=0)


class SpendCancelled(EventData, event_type="wards.spend_request.cancelled.v1"):
    """A spend request was cancelled before it was spent: its money, held or committed, is released."""

    spend_request_id: str
    budget_id: str
    gss_code: GssCode
    released_pence: Pence = Field(gt=0)


# --- Neighbourhood working: localities, clusters, plans, updates, engagement, place profiles ---------

QuarterNumber = Annotated[int, Field(ge=1, le=4)]


class LocalityChampionNamed(EventData, event_type="wards.locality.champion_named.v1"):
    """A locality (north, central, south) has a partner champion, from health, police or the council; the
    champion's name stays in the service, only their organisation and sector are published."""

    locality: Literal["north", "central", "south"]
    champion_organisation: str
    champion_sector: Literal["health", "police", "council", "fire", "voluntary"]
    gss_codes: list[GssCode] = Field(default_factory=list)


class ClusterFormed(EventData, event_type="wards.cluster.formed.v1"):
    """Wards formed a cluster "based on geography and common interest"."""

    cluster_id: str
    name: str
    gss_codes: list[GssCode]


class ClusterMembershipChanged(EventData, event_type="wards.cluster.membership_changed.v1"):
    """A ward joined or left a cluster on a day; the cluster's earlier membership stays on record."""

    cluster_id: str
    gss_code: GssCode
    change: Literal["joined", "left"]
    on: date


class ClusterBudgetPooled(EventData, event_type="wards.cluster.budget_pooled.v1"):
    """A ward of a cluster pooled money from its budget into another cluster ward's budget of the same kind and
    year, for the cluster's shared work; the money keeps its origin (`from_budget_id`)."""

    pooling_id: str
    cluster_id: str
    financial_year: FinancialYearLabel
    from_budget_id: str
    to_budget_id: str
    from_gss_code: GssCode
    to_gss_code: GssCode
    amount_pence: Pence = Field(gt=0)


class BoundarySetSucceeded(EventData, event_type="wards.boundary_set.succeeded.v1"):
    """A new boundary set succeeded an old one; each old ward code maps to its successor codes."""

    code: str = Field(examples=["WD24"])
    succeeds: str = Field(examples=["WD04"])
    successors: dict[GssCode, list[GssCode]]


class WardPlanDrafted(EventData, event_type="wards.ward_plan.drafted.v1"):
    """A ward plan version was drafted (a first plan, or the draft of a refresh)."""

    plan_id: str
    gss_code: GssCode
    plan_version: int = Field(ge=1)
    priority_count: int = Field(ge=0)


class WardPlanPublished(EventData, event_type="wards.ward_plan.published.v1"):
    """A ward plan version was published; `refresh` when it replaces an earlier published version, which
    stays readable."""

    plan_id: str
    gss_code: GssCode
    boundary_set: str
    plan_version: int = Field(ge=1)
    refresh: bool
    priority_ids: list[str]
    council_themes: list[str]
    published_on: date


class QuarterlyUpdateSubmitted(EventData, event_type="wards.quarterly_update.submitted.v1"):
    """A ward's quarterly update (progress, spend, issues) went to the portfolio Cabinet Member."""

    update_id: str
    gss_code: GssCode
    financial_year: FinancialYearLabel
    quarter: QuarterNumber
    spend_pence: Pence = Field(ge=0)
    issue_count: int = Field(ge=0)


class QuarterlyUpdateOverdue(EventData, event_type="wards.quarterly_update.overdue.v1"):
    """A ward's quarterly update was not submitted by its due date; raised once per ward and quarter."""

    gss_code: GssCode
    financial_year: FinancialYearLabel
    quarter: QuarterNumber
    due_on: date


class EngagementRecorded(EventData, event_type="wards.engagement.recorded.v1"):
    """A resident engagement activity was recorded: its kind, day, people reached and issues raised (counted)."""

    engagement_id: str
    gss_code: GssCode
    kind: str
    held_on: date
    people_reached: int = Field(ge=0)
    issue_count: int = Field(ge=0)
    priority_id: str | None = None


class PlaceProfileUpdated(EventData, event_type="wards.place_profile.updated.v1"):
    """A ward's place profile (demographics, deprivation) was recorded or changed."""

    gss_code: GssCode
    boundary_set: str
    population: int = Field(ge=0)
    imd_decile: int | None = Field(default=None, ge=1, le=10)


class CommunityAssetRecorded(EventData, event_type="wards.community_asset.recorded.v1"):
    """A community asset (an organisation's service at a location, as Open Referral UK shapes it) was recorded in
    a ward's place profile."""

    asset_id: str
    gss_code: GssCode
    organisation_name: str
    service_name: str
