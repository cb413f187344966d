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
