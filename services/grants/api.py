"""The grants HTTP API: ``/v1/funds`` and ``/v1/applications``.

Broken rules of the fund (``GrantsError`` from the domain, a ``shared.rules.RuleBroken``)
become problem documents through the kernel's handler: an illegal move or a fund that
cannot afford an award is a 409 naming the current state, invalid input a 422 naming
what was wrong.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.grants import handlers
from services.grants.domain import (
    AWARDED,
    DEFAULT_CRITERIA,
    DEFAULT_QUORUM,
    MAX_SCORE,
    Application,
    Contribution,
    Fund,
    MonitoringReport,
    Organisation,
    report_on,
)
from services.grants.tables import applications, funds
from shared.auth import Authenticated, Principal, require
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["grants"])

Officer = Annotated[Principal, Depends(require("officer"))]
# The applicant's own moves (an officer may act for them); partners, finance and the forum never make them.
ApplicantOrOfficer = Annotated[Principal, Depends(require("applicant", "officer"))]


async def panel_member(principal: Authenticated) -> Principal:
    """Only a forum member scores or declares a conflict: a score counts toward the panel's quorum,
    so not even an admin may add one in their own name."""
    if "forum_member" not in principal.roles:
        raise Problem(403, "Forbidden", "Only a member of the fund's panel (role forum_member) may do this.")
    return principal


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


@router.post("/funds", status_code=status.HTTP_201_CREATED, summary="Create a fund (draft) for your council")
async def post_fund(body: FundIn, runtime: RuntimeDep, principal: Officer) -> FundOut:
    fund = Fund(
        council=principal.council,
        contributions=[Contribution(**c.model_dump()) for c in body.contributions],
        **body.model_dump(exclude={"contributions"}),
    )
    async with runtime.uow(principal.actor) as uow:
        await handlers.create_fund(uow, fund)
    return FundOut.of(fund)


@router.get("/funds", summary="Funds of your council (drafts: council staff only)")
async def list_funds(
    runtime: RuntimeDep,
    principal: Authenticated,
    page: Annotated[PageParams, Depends(page_params)],
    fund_status: Annotated[Literal["draft", "open", "closed"] | None, Query(alias="status")] = None,
) -> Page[FundOut]:
    query = select(Fund).where(funds.c.council == principal.council)
    if not handlers.sees_draft_funds(principal):
        query = query.where(funds.c.status.in_(list(handlers.PUBLISHED_FUNDS)))
    if fund_status:
        query = query.where(funds.c.status == fund_status)
    async with runtime.sessions() as session:
        rows = await fetch_page(session, query.order_by(funds.c.created_at.desc(), funds.c.id), page)
    return make_page([FundOut.of(f) for f in rows], page)


@router.get("/funds/{fund_id}", summary="One fund, with its contributions and totals")
async def get_fund(fund_id: str, runtime: RuntimeDep, principal: Authenticated) -> FundOut:
    async with runtime.uow(principal.actor) as uow:
        return FundOut.of(await handlers.load_fund(uow, principal, fund_id))


@router.post("/funds/{fund_id}/open", summary="Open the fund to applications")
async def post_open(fund_id: str, runtime: RuntimeDep, principal: Officer) -> FundOut:
    async with runtime.uow(principal.actor) as uow:
        return FundOut.of(await handlers.open_fund(uow, principal, fund_id))


@router.post("/funds/{fund_id}/close", summary="Close the fund to applications")
async def post_close(fund_id: str, runtime: RuntimeDep, principal: Officer) -> FundOut:
    async with runtime.uow(principal.actor) as uow:
        return FundOut.of(await handlers.close_fund(uow, principal, fund_id))


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


@router.get(
    "/funds/{fund_id}/report", summary="Contributed, committed, paid and available per funder; awards by ward and theme"
)
async def get_report(
    fund_id: str,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("officer", "finance", "forum_member", "approver"))],
) -> FundReportOut:
    async with runtime.uow(principal.actor) as uow:
        fund = await handlers.load_fund(uow, principal, fund_id)
        awarded = (await uow.session.scalars(select(Application).where(applications.c.fund_id == fund.id))).all()
        report = report_on(fund, awarded)
    return FundReportOut.model_validate(report, from_attributes=True)


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
        staff = handlers.sees_every_application(principal)
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


@router.post(
    "/funds/{fund_id}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Start an application (draft) to an open fund",
)
async def post_application(
    fund_id: str,
    body: ApplicationIn,
    runtime: RuntimeDep,
    principal: ApplicantOrOfficer,
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.draft_application(uow, principal, fund_id, body.details())
    return ApplicationOut.of(application, principal)


@router.get(
    "/applications",
    summary="Applications: your own; all of your council's (staff); awarded grants, without personal data (partners)",
)
async def list_applications(
    runtime: RuntimeDep,
    principal: Authenticated,
    page: Annotated[PageParams, Depends(page_params)],
    fund_id: str | None = None,
    application_status: Annotated[str | None, Query(alias="status")] = None,
) -> Page[ApplicationOut]:
    query = select(Application).where(applications.c.council == principal.council)
    if handlers.reads_published_only(principal):
        query = query.where((applications.c.applicant == principal.subject) | applications.c.status.in_(list(AWARDED)))
    elif not handlers.sees_every_application(principal):
        query = query.where(applications.c.applicant == principal.subject)
    if fund_id:
        query = query.where(applications.c.fund_id == fund_id)
    if application_status:
        query = query.where(applications.c.status == application_status)
    async with runtime.sessions() as session:
        rows = await fetch_page(session, query.order_by(applications.c.created_at, applications.c.id), page)
    return make_page([ApplicationOut.of(a, principal) for a in rows], page)


@router.get("/applications/{application_id}", summary="One application")
async def get_application(application_id: str, runtime: RuntimeDep, principal: Authenticated) -> ApplicationOut:
    # Read inside the unit of work: leaving it rolls back, which expires what was loaded.
    async with runtime.uow(principal.actor) as uow:
        application, _ = await handlers.load_application(uow, principal, application_id, published_ok=True)
        return ApplicationOut.of(application, principal)


@router.patch("/applications/{application_id}", summary="Change a draft application")
async def patch_application(
    application_id: str, body: ApplicationPatch, runtime: RuntimeDep, principal: ApplicantOrOfficer
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.revise_application(uow, principal, application_id, body.changes())
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/submit", summary="Submit a draft application")
async def post_submit(application_id: str, runtime: RuntimeDep, principal: ApplicantOrOfficer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.submit_application(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/withdraw", summary="Withdraw, before any payment; releases an award")
async def post_withdraw(application_id: str, runtime: RuntimeDep, principal: ApplicantOrOfficer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.withdraw_application(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/assessment", summary="Start the forum's assessment")
async def post_assessment(application_id: str, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.start_assessment(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


class ConflictIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


ForumMember = Annotated[Principal, Depends(panel_member)]


@router.post("/applications/{application_id}/conflicts", summary="Declare your conflict of interest")
async def post_conflict(
    application_id: str, body: ConflictIn, runtime: RuntimeDep, principal: ForumMember
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.declare_conflict(uow, principal, application_id, body.reason)
    return ApplicationOut.of(application, principal)


class ScoreIn(BaseModel):
    marks: dict[str, Annotated[int, Field(ge=0, le=MAX_SCORE)]] = Field(description="Criterion → mark, 0 to 5")
    comments: dict[str, str] = {}


@router.put("/applications/{application_id}/scores/mine", summary="Record (or replace) your scores")
async def put_score(application_id: str, body: ScoreIn, runtime: RuntimeDep, principal: ForumMember) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.score_application(uow, principal, application_id, body.marks, body.comments)
    return ApplicationOut.of(application, principal)


class RecommendationIn(BaseModel):
    recommended: bool
    reasons: str = Field(min_length=1, max_length=5000)


@router.post("/applications/{application_id}/recommendation", summary="Recommend (or not) to the panel")
async def post_recommendation(
    application_id: str, body: RecommendationIn, runtime: RuntimeDep, principal: Officer
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.recommend_application(
            uow, principal, application_id, body.recommended, body.reasons
        )
    return ApplicationOut.of(application, principal)


class DecisionIn(BaseModel):
    outcome: Literal["approved", "rejected"]
    reasons: str = Field(min_length=1, max_length=5000)
    amount_awarded_pence: int | None = Field(default=None, gt=0, description="Defaults to the amount requested")


@router.post("/applications/{application_id}/decision", summary="Record the panel's decision (needs quorum)")
async def post_decision(
    application_id: str,
    body: DecisionIn,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("officer", "forum_member"))],
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.decide_application(
            uow,
            principal,
            application_id,
            approve=body.outcome == "approved",
            reasons=body.reasons,
            amount_awarded_pence=body.amount_awarded_pence,
        )
    return ApplicationOut.of(application, principal)


class TrancheIn(BaseModel):
    amount_pence: int = Field(gt=0)
    due_on: date | None = None


class OfferIn(BaseModel):
    conditions: list[str] = []
    tranches: list[TrancheIn] = Field(default=[], description="Must add up to the award; one tranche if empty")


@router.post("/applications/{application_id}/offer", summary="Offer the award on conditions, in tranches")
async def post_offer(application_id: str, body: OfferIn, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.offer_grant(
            uow, principal, application_id, body.conditions, [(t.amount_pence, t.due_on) for t in body.tranches]
        )
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/accept", summary="Accept the offer and its conditions")
async def post_accept(application_id: str, runtime: RuntimeDep, principal: ApplicantOrOfficer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.accept_offer(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


Finance = Annotated[Principal, Depends(require("finance"))]


@router.post("/applications/{application_id}/tranches/{sequence}/approve", summary="Finance approves a tranche")
async def post_approve_tranche(
    application_id: str, sequence: int, runtime: RuntimeDep, principal: Finance
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.approve_tranche(uow, principal, application_id, sequence)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/tranches/{sequence}/pay", summary="Pay an approved tranche")
async def post_pay_tranche(
    application_id: str, sequence: int, runtime: RuntimeDep, principal: Finance
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.pay_tranche(uow, principal, application_id, sequence)
    return ApplicationOut.of(application, principal)


class CancellationIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, examples=["Project delivered for less than awarded"])


@router.post(
    "/applications/{application_id}/tranches/cancel",
    summary="An underspend: cancel the unpaid tranches and release their commitment to the funders",
)
async def post_cancel_tranches(
    application_id: str,
    body: CancellationIn,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("officer", "finance"))],
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.cancel_remaining_tranches(uow, principal, application_id, body.reason)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/monitoring", summary="Start monitoring a paid grant")
async def post_monitoring(application_id: str, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.start_monitoring(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


@router.post(
    "/applications/{application_id}/close", summary="Close a monitored grant once its final report is accepted"
)
async def post_close_grant(application_id: str, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.close_grant(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


# --- Monitoring reports ---------------------------------------------------------------------------


class MonitoringReportIn(BaseModel):
    financial_year: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2017-18"], description="1 April to 31 March")
    summary: str = Field(min_length=1, max_length=10_000)
    spend_to_date_pence: int = Field(ge=0)
    beneficiaries_reached: int = Field(ge=0)
    outcomes: str = Field(default="", max_length=10_000)
    final: bool = Field(default=False, description="The last report of the grant; once accepted, it may close")


@router.post(
    "/applications/{application_id}/monitoring-reports",
    status_code=status.HTTP_201_CREATED,
    summary="The grantee submits its monitoring report for a financial year (or resubmits one sent back)",
)
async def post_monitoring_report(
    application_id: str, body: MonitoringReportIn, runtime: RuntimeDep, principal: ApplicantOrOfficer
) -> MonitoringReportOut:
    async with runtime.uow(principal.actor) as uow:
        _, report = await handlers.submit_monitoring_report(
            uow, principal, application_id, MonitoringReport(**body.model_dump())
        )
        return MonitoringReportOut.of(report)


@router.get("/applications/{application_id}/monitoring-reports", summary="A grant's monitoring reports")
async def list_monitoring_reports(
    application_id: str, runtime: RuntimeDep, principal: Authenticated
) -> list[MonitoringReportOut]:
    async with runtime.uow(principal.actor) as uow:
        application, _ = await handlers.load_application(uow, principal, application_id)
        return [MonitoringReportOut.of(r) for r in application.monitoring_reports]


class ReviewIn(BaseModel):
    outcome: Literal["accepted", "more_information_needed"]
    comments: str = Field(default="", max_length=5000)


@router.post(
    "/applications/{application_id}/monitoring-reports/{report_id}/review",
    summary="An officer accepts a monitoring report or asks for more information",
)
async def post_review(
    application_id: str, report_id: str, body: ReviewIn, runtime: RuntimeDep, principal: Officer
) -> MonitoringReportOut:
    async with runtime.uow(principal.actor) as uow:
        _, report = await handlers.review_monitoring_report(
            uow, principal, application_id, report_id, body.outcome, body.comments
        )
        return MonitoringReportOut.of(report)


# --- Erasure --------------------------------------------------------------------------------------


@router.post(
    "/applications/{application_id}/erasure",
    summary="Erase the applicant's personal data on request; the grant record stays, anonymised",
)
async def post_erasure(application_id: str, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.erase_personal_data(uow, principal, application_id)
    return ApplicationOut.of(application, principal)
