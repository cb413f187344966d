"""What the grants API reads and answers: request and response models, with the bounds the domain justifies.

Money is integer pence; ward codes are GSS codes. ``ApplicationOut`` shows each caller only what
its role may read: council staff the assessment, a partner the published grant without personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.grants.domain import (
    DEFAULT_CRITERIA,
    DEFAULT_QUORUM,
    MAX_SCORE,
    Application,
    Contribution,
    Fund,
    MonitoringReport,
    Organisation,
)
from services.grants.handlers import sees_every_application
from shared.auth import Principal

GSS = Annotated[str, Field(pattern=r"^[EWSN][0-9]{8}$")]


# --- Funds ----------------------------------------------------------------------------------------


class ContributionIn(BaseModel):
    funder_name: str = Field(min_length=1, max_length=200, examples=["Rotherham Together Partnership"])
    funder_organisation_id: str | None = Field(default=None, max_length=200)
    charity_number: str | None = Field(default=None, max_length=20)
    amount_pence: int = Field(gt=0, examples=[500_000])


class ContributionOut(BaseModel):
    id: str
    funder_name: str
    funder_organisation_id: str | None
    charity_number: str | None
    amount_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int

    @classmethod
    def of(cls, c: Contribution) -> ContributionOut:
        return cls.model_validate(c, from_attributes=True)


class FundIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Building Stronger Communities small grants"])
    description: str = ""
    themes: list[str] = Field(min_length=1, examples=[["Bringing people together"]])
    opens_on: date | None = None
    closes_on: date | None = None
    maximum_award_pence: int = Field(gt=0, examples=[100_000])
    eligibility: str = ""
    panel_name: str = Field(default="", max_length=200, examples=["Stronger Communities Forum"])
    quorum: int = Field(default=DEFAULT_QUORUM, ge=1, description="Forum members without a conflict who must score")
    criteria: list[str] = Field(default_factory=lambda: list(DEFAULT_CRITERIA), min_length=1)
    contributions: list[ContributionIn] = []


class FundOut(BaseModel):
    id: str
    council: str
    name: str
    description: str
    themes: list[str]
    criteria: list[str]
    opens_on: date | None
    closes_on: date | None
    maximum_award_pence: int
    eligibility: str
    panel_name: str
    quorum: int
    status: str
    created_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    contributions: list[ContributionOut]
    total_contributions_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int

    @classmethod
    def of(cls, fund: Fund) -> FundOut:
        fields = {name: getattr(fund, name) for name in cls.model_fields if name != "contributions"}
        return cls(**fields, contributions=[ContributionOut.of(c) for c in fund.contributions])


class FunderLineOut(BaseModel):
    contribution_id: str
    funder_name: str
    contributed_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int


class AwardLineOut(BaseModel):
    key: str = Field(description="Ward GSS code or theme")
    awards: int
    amount_pence: int


class FundReportOut(BaseModel):
    fund_id: str
    contributed_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int
    funders: list[FunderLineOut]
    by_ward: list[AwardLineOut]
    by_theme: list[AwardLineOut]


# --- Applications ---------------------------------------------------------------------------------


class ContactIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class OrganisationIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    type: Literal["charity", "cic", "community_group", "social_enterprise", "company", "other"]
    charity_number: str | None = Field(default=None, max_length=20)
    company_number: str | None = Field(default=None, max_length=20)
    contact: ContactIn

    def to_domain(self) -> Organisation:
        return Organisation(
            name=self.name,
            type=self.type,
            contact_name=self.contact.name,
            contact_email=self.contact.email,
            contact_phone=self.contact.phone,
            charity_number=self.charity_number,
            company_number=self.company_number,
        )


class ApplicationIn(BaseModel):
    organisation: OrganisationIn
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(default="", max_length=10_000)
    amount_requested_pence: int = Field(gt=0)
    ward_codes: list[GSS] = Field(min_length=1, examples=[["E05012996"]])
    theme: str = Field(min_length=1)
    starts_on: date | None = Field(default=None, description="When the project plans to start")
    ends_on: date | None = Field(default=None, description="When the project plans to end")

    def details(self) -> dict[str, Any]:
        return {**self.model_dump(exclude={"organisation"}), "organisation": self.organisation.to_domain()}


class ApplicationPatch(BaseModel):
    organisation: OrganisationIn | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=10_000)
    amount_requested_pence: int | None = Field(default=None, gt=0)
    ward_codes: list[GSS] | None = Field(default=None, min_length=1)
    theme: str | None = Field(default=None, min_length=1)
    starts_on: date | None = None
    ends_on: date | None = None

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True, exclude={"organisation"})
        if self.organisation is not None:
            changes["organisation"] = self.organisation.to_domain()
        return changes


class OrganisationOut(BaseModel):
    name: str
    type: str
    charity_number: str | None
    company_number: str | None
    contact_name: str | None = Field(description="None once erased, and in the published view")
    contact_email: str | None
    contact_phone: str | None


class ScoreOut(BaseModel):
    member: str
    marks: dict[str, int]
    comments: dict[str, str]
    total: int
    scored_at: datetime | None


class TrancheOut(BaseModel):
    id: str
    sequence: int
    amount_pence: int
    due_on: date | None
    status: str
    approved_by: str | None
    approved_at: datetime | None
    paid_at: datetime | None


class FunderShareOut(BaseModel):
    contribution_id: str
    amount_pence: int
    paid_pence: int
    released_pence: int


class MonitoringReportOut(BaseModel):
    id: str
    financial_year: str
    summary: str
    spend_to_date_pence: int
    beneficiaries_reached: int
    outcomes: str
    final: bool
    status: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    review_comments: str | None

    @classmethod
    def of(cls, report: MonitoringReport) -> MonitoringReportOut:
        return cls.model_validate(report, from_attributes=True)


class ApplicationOut(BaseModel):
    id: str
    fund_id: str
    council: str
    applicant: str | None = Field(description="Hidden in the published view")
    organisation: OrganisationOut
    title: str
    summary: str
    amount_requested_pence: int
    amount_awarded_pence: int | None
    amount_paid_pence: int
    amount_released_pence: int = Field(description="Given back to the funders by a withdrawal or an underspend")
    ward_codes: list[str]
    theme: str
    starts_on: date | None
    ends_on: date | None
    status: str
    personal_data_erased_at: datetime | None
    recommendation_reasons: str | None
    decision_reasons: str | None
    decided_at: datetime | None
    conditions: list[str]
    created_at: datetime | None
    submitted_at: datetime | None
    updated_at: datetime | None
    scores: list[ScoreOut] = Field(description="Shown to council staff only")
    conflicts_declared: int
    average_score: float | None
    funder_shares: list[FunderShareOut]
    tranches: list[TrancheOut]
    monitoring_reports: list[MonitoringReportOut] = Field(description="Not in the published view")

    @classmethod
    def of(cls, application: Application, principal: Principal) -> ApplicationOut:
        staff = sees_every_application(principal)
        # What a partner reads of an awarded grant that is not its own: no person, no assessment, no reports.
        published = not staff and application.applicant != principal.subject
        nested = {
            "organisation",
            "scores",
            "conflicts_declared",
            "funder_shares",
            "tranches",
            "average_score",
            "monitoring_reports",
        }
        simple = {name: getattr(application, name) for name in cls.model_fields if name not in nested}
        organisation = application.organisation.without_contact() if published else application.organisation
        if published:
            simple.update(applicant=None, recommendation_reasons=None, decision_reasons=None)
        return cls(
            **simple,
            organisation=OrganisationOut.model_validate(organisation, from_attributes=True),
            scores=[ScoreOut.model_validate(s, from_attributes=True) for s in application.scores] if staff else [],
            conflicts_declared=len(application.conflicts) if staff else 0,
            average_score=application.average_score if staff else None,
            funder_shares=[FunderShareOut.model_validate(c, from_attributes=True) for c in application.commitments],
            tranches=[]
            if published
            else [TrancheOut.model_validate(t, from_attributes=True) for t in application.tranches],
            monitoring_reports=[] if published else [MonitoringReportOut.of(r) for r in application.monitoring_reports],
        )


# --- Assessment -----------------------------------------------------------------------------------


class ConflictIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ScoreIn(BaseModel):
    marks: dict[str, Annotated[int, Field(ge=0, le=MAX_SCORE)]] = Field(description="Criterion → mark, 0 to 5")
    comments: dict[str, str] = {}


class RecommendationIn(BaseModel):
    recommended: bool
    reasons: str = Field(min_length=1, max_length=5000)


class DecisionIn(BaseModel):
    outcome: Literal["approved", "rejected"]
    reasons: str = Field(min_length=1, max_length=5000)
    amount_awarded_pence: int | None = Field(default=None, gt=0, description="Defaults to the amount requested")


# --- The offer and its payment --------------------------------------------------------------------


class TrancheIn(BaseModel):
    amount_pence: int = Field(gt=0)
    due_on: date | None = None


class OfferIn(BaseModel):
    conditions: list[str] = []
    tranches: list[TrancheIn] = Field(default=[], description="Must add up to the award; one tranche if empty")


class CancellationIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, examples=["Project delivered for less than awarded"])


# --- Monitoring reports ---------------------------------------------------------------------------


class MonitoringReportIn(BaseModel):
    financial_year: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2017-18"], description="1 April to 31 March")
    summary: str = Field(min_length=1, max_length=10_000)
    spend_to_date_pence: int = Field(ge=0)
    beneficiaries_reached: int = Field(ge=0)
    outcomes: str = Field(default="", max_length=10_000)
    final: bool = Field(default=False, description="The last report of the grant; once accepted, it may close")


class ReviewIn(BaseModel):
    outcome: Literal["accepted", "more_information_needed"]
    comments: str = Field(default="", max_length=5000)
