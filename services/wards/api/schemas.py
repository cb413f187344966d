"""Request and response models of the wards API (``/v1/wards``): wards, members, meetings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.wards.domain import (
    MAX_ALLOCATION_PENCE,
    MAX_CLF_PER_MEMBER_PENCE,
    MAX_COUNCIL_TOTAL_PENCE,
    MAX_OTHER_ATTENDEES,
    Budget,
    Locality,
    Pooling,
    Sharing,
    SpendRequest,
    Ward,
    WardMeeting,
    WardMember,
)
from services.wards.domain.spending import MAX_REASON_LENGTH
from shared.calendar import today_in_london
from shared.http import PlausibleDate, RequestModel

GSS_PATTERN = r"^[EWSN][0-9]{8}$"
FINANCIAL_YEAR_PATTERN = r"^[0-9]{4}-[0-9]{2}$"

BudgetKindName = Literal["clf", "revenue", "capital"]
WardBudgetKind = Literal["revenue", "capital"]

# --- Wards ----------------------------------------------------------------------------------------


class WardOut(BaseModel):
    gss_code: str
    name: str
    local_authority_gss: str
    local_authority_name: str
    boundary_set: str
    locality: Locality | None
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, ward: Ward) -> WardOut:
        return cls.model_validate(ward, from_attributes=True)


class WardIn(RequestModel):
    gss_code: str = Field(pattern=GSS_PATTERN, examples=["E05012996"])
    name: str = Field(min_length=1, max_length=200)
    local_authority_name: str = Field(min_length=1, max_length=200)
    boundary_set: str = Field(min_length=1, max_length=20, examples=["WD24"])
    locality: Locality | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


# --- Elected members ------------------------------------------------------------------------------


class MemberIn(RequestModel):
    name: str = Field(min_length=1, max_length=200, examples=["Cllr A. Example"])
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320, examples=["member@example.org"])
    party: str | None = Field(default=None, max_length=100)
    term_starts_on: PlausibleDate | None = None
    term_ends_on: PlausibleDate | None = None
    subject: str | None = Field(
        default=None, max_length=200, description="The subject of the member's bearer token, when they sign in."
    )


class MemberOut(BaseModel):
    """A ward member; ``email`` and ``subject`` are given to officers and admins only (``null`` for other readers)."""

    id: str
    gss_code: str
    name: str
    email: str | None
    party: str | None
    term_starts_on: date | None
    term_ends_on: date | None
    stood_down_on: date | None
    subject: str | None
    current: bool

    @classmethod
    def of(cls, member: WardMember, *, with_email: bool) -> MemberOut:
        return cls(
            id=member.id,
            gss_code=member.gss_code,
            name=member.name,
            email=member.email if with_email else None,
            party=member.party,
            term_starts_on=member.term_starts_on,
            term_ends_on=member.term_ends_on,
            stood_down_on=member.stood_down_on,
            subject=member.subject if with_email else None,
            current=member.is_current(today_in_london()),
        )


class StandDownIn(RequestModel):
    stood_down_on: PlausibleDate | None = Field(default=None, description="Defaults to today (Europe/London).")


# --- Ward meetings --------------------------------------------------------------------------------


class DecisionIn(RequestModel):
    text: str = Field(min_length=1, max_length=500, examples=["Deploy the mobile CCTV camera to Eastwood Village"])
    budget_allocation_pence: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ALLOCATION_PENCE,
        examples=[250_000],
        description="Money allocated, in pence: it becomes a spend request against the ward's budget for the "
        "meeting's financial year, awaiting the approver.",
    )
    budget_kind: WardBudgetKind | None = Field(
        default=None, description="The ward budget allocated; revenue unless said."
    )
    capital_item: bool = Field(
        default=False, description="What the money buys is a capital item (capital money buys only those)."
    )


class MeetingIn(RequestModel):
    held_on: PlausibleDate
    attendee_member_ids: list[str] = Field(default_factory=list, description="Ward members who attended.")
    other_attendees: int = Field(
        default=0, ge=0, le=MAX_OTHER_ATTENDEES, description="Residents, partners and officers who attended."
    )
    decisions: list[DecisionIn] = Field(default_factory=list)
    minutes: str = Field(default="", max_length=200_000)


class DecisionOut(BaseModel):
    text: str
    budget_allocation_pence: int | None
    budget_kind: WardBudgetKind | None
    capital_item: bool


class MeetingOut(BaseModel):
    id: str
    gss_code: str
    held_on: PlausibleDate
    attendee_member_ids: list[str]
    other_attendees: int
    decisions: list[DecisionOut]
    budget_allocated_pence: int
    minutes: str
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, meeting: WardMeeting) -> MeetingOut:
        return cls(
            id=meeting.id,
            gss_code=meeting.gss_code,
            held_on=meeting.held_on,
            attendee_member_ids=list(meeting.attendee_member_ids),
            other_attendees=meeting.other_attendees,
            decisions=[
                DecisionOut(
                    text=d.text,
                    budget_allocation_pence=d.budget_allocation_pence,
                    budget_kind=d.budget_kind,
                    capital_item=d.capital_item,
                )
                for d in meeting.decisions
            ],
            budget_allocated_pence=meeting.budget_allocated_pence,
            minutes=meeting.minutes,
            recorded_by=meeting.recorded_by,
            recorded_at=meeting.recorded_at,
        )


# --- Boundary sets and budgets --------------------------------------------------------------------


class BoundarySetIn(BaseModel):
    in_force_from: date = Field(description="The first day the set's wards are the council's (the election day).")


class BoundarySetOut(BaseModel):
    code: str
    in_force_from: date


class YearBudgetsIn(BaseModel):
    """A year's council totals (2017/18: £30,000 revenue and £210,000 capital), and the CLF per member."""

    revenue_total_pence: int = Field(ge=0, le=MAX_COUNCIL_TOTAL_PENCE, examples=[3_000_000])
    capital_total_pence: int = Field(ge=0, le=MAX_COUNCIL_TOTAL_PENCE, examples=[21_000_000])
    clf_per_member_pence: int = Field(default=100_000, ge=0, le=MAX_CLF_PER_MEMBER_PENCE, examples=[100_000])


class SharingOut(BaseModel):
    id: str
    kind: WardBudgetKind
    boundary_set: str
    total_pence: int
    ward_count: int
    share_pence: int
    remainder_pence: int
    remainder_wards: list[str] = Field(description="The wards that got a penny more, one each, in GSS-code order.")

    @classmethod
    def of(cls, sharing: Sharing) -> SharingOut:
        return cls(
            id=sharing.id,
            kind=sharing.kind.value,
            boundary_set=sharing.boundary_set,
            total_pence=sharing.total_pence,
            ward_count=len(sharing.shares),
            share_pence=sharing.share_pence,
            remainder_pence=sharing.remainder_pence,
            remainder_wards=list(sharing.remainder_wards),
        )


class BudgetOut(BaseModel):
    """A budget's ledger: ``total_pence`` = allocated + pooled in - pooled out; ``available_pence`` = total -
    held (awaiting approval) - committed - spent."""

    id: str
    gss_code: str
    financial_year: str
    kind: BudgetKindName
    member_id: str | None
    allocated_pence: int
    pooled_in_pence: int
    pooled_out_pence: int
    total_pence: int
    held_pence: int
    committed_pence: int
    spent_pence: int
    available_pence: int

    @classmethod
    def of(cls, budget: Budget) -> BudgetOut:
        return cls(
            id=budget.id,
            gss_code=budget.gss_code,
            financial_year=budget.financial_year,
            kind=budget.kind,
            member_id=budget.member_id,
            allocated_pence=budget.allocated_pence,
            pooled_in_pence=budget.pooled_in_pence,
            pooled_out_pence=budget.pooled_out_pence,
            total_pence=budget.total_pence,
            held_pence=budget.held_pence,
            committed_pence=budget.committed_pence,
            spent_pence=budget.spent_pence,
            available_pence=budget.available_pence,
        )


class YearBudgetsOut(BaseModel):
    financial_year: str
    sharings: list[SharingOut]
    budgets: list[BudgetOut]


class PoolIn(BaseModel):
    amount_pence: int = Field(gt=0, le=MAX_CLF_PER_MEMBER_PENCE, examples=[50_000])


class PoolingOut(BaseModel):
    id: str
    gss_code: str
    financial_year: str
    from_budget_id: str
    to_budget_id: str
    member_id: str
    amount_pence: int
    pooled_by: str
    pooled_at: datetime

    @classmethod
    def of(cls, pooling: Pooling) -> PoolingOut:
        return cls.model_validate(pooling, from_attributes=True)


class UtilisationOut(BaseModel):
    """Committed and spent as a % of a budget type's total, for one ward, locality or the council."""

    scope: str | None = Field(
        description="The ward's GSS code, the locality (null: wards without one), or the council."
    )
    kind: BudgetKindName
    total_pence: int
    committed_pence: int
    spent_pence: int
    utilisation_percent: float | None = Field(
        description="(committed + spent) / total * 100, to 0.1; null for a zero budget."
    )


# --- Spend requests -------------------------------------------------------------------------------


class SpendRequestIn(BaseModel):
    budget_id: str = Field(min_length=1, max_length=36)
    amount_pence: int = Field(gt=0, le=MAX_COUNCIL_TOTAL_PENCE, examples=[45_000])
    purpose: str = Field(min_length=1, max_length=500, examples=["Litter-picking kit for the Friends of Clifton Park"])
    capital_item: bool = Field(default=False, description="Capital money buys only capital items.")
    ward_plan_priority: str | None = Field(default=None, max_length=200)


class ApproverIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Assistant Director, Housing and Neighbourhood Services"])
    email: str = Field(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320, examples=["ad.neighbourhoods@example.org"]
    )


class ApproverOut(BaseModel):
    name: str
    email: str


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH)


class SpentIn(BaseModel):
    spent_pence: int = Field(
        gt=0, le=MAX_COUNCIL_TOTAL_PENCE, description="At most what was committed; the rest is released."
    )


class SpendRequestOut(BaseModel):
    id: str
    gss_code: str
    budget_id: str
    budget_kind: BudgetKindName
    financial_year: str
    member_id: str | None
    amount_pence: int
    purpose: str
    capital_item: bool
    ward_plan_priority: str | None
    meeting_id: str | None
    decision_position: int | None
    status: Literal["awaiting_approval", "committed", "refused", "spent", "cancelled"]
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    refusal_reason: str | None
    spent_pence: int | None
    recorded_by: str | None
    recorded_at: datetime | None
    cancelled_reason: str | None

    @classmethod
    def of(cls, request: SpendRequest) -> SpendRequestOut:
        return cls.model_validate(request, from_attributes=True)
