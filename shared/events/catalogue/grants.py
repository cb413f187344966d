"""Events published by the grants service.

Every application event's subject is the application id and every fund event's
subject is the fund id, so the outbox keeps each aggregate's events in order.
Payloads carry ids, codes, integer pence and dates only: the applicant
organisation's contact details are never in an event (notifications asks grants
for them over RPC, ``grants.grantee_contact``, when it must write to the grantee).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import EventData

GssCode = str
Pence = int


class FundCreated(EventData, event_type="grants.fund.created.v1"):
    """An officer created a fund (draft), with its funders' contributions totalled."""

    fund_id: str
    name: str
    themes: list[str]
    maximum_award_pence: Pence
    total_contributions_pence: Pence
    opens_on: date | None = None
    closes_on: date | None = None
    panel_name: str | None = None


class FundOpened(EventData, event_type="grants.fund.opened.v1"):
    """The fund opened to applications."""

    # fund_id must stay: the actions service binds milestones to it.
    fund_id: str
    name: str
    opened_at: datetime
    closes_on: date | None = None


class FundClosed(EventData, event_type="grants.fund.closed.v1"):
    """The fund closed to applications; decisions on those already made go on."""

    fund_id: str
    closed_at: datetime


class ApplicationCreated(EventData, event_type="grants.application.created.v1"):
    """A draft application was started (not yet submitted)."""

    application_id: str
    fund_id: str
    amount_requested_pence: Pence = Field(ge=0)
    ward_codes: list[GssCode]
    theme: str | None = None


class ApplicationRevised(EventData, event_type="grants.application.revised.v1"):
    """The applicant changed its draft; ``changed`` names the fields (never their values if personal)."""

    application_id: str
    fund_id: str
    changed: list[str]
    amount_requested_pence: Pence = Field(ge=0)
    ward_codes: list[GssCode]
    theme: str | None = None


class ApplicationSubmitted(EventData, event_type="grants.application.submitted.v1"):
    """A community group submitted its application for assessment."""

    application_id: str
    fund_id: str
    amount_requested_pence: Pence = Field(ge=0)
    ward_codes: list[GssCode]
    theme: str | None = None


class ApplicationAssessmentStarted(EventData, event_type="grants.application.assessment_started.v1"):
    """The forum's assessment of the application began."""

    application_id: str
    fund_id: str


class ApplicationScored(EventData, event_type="grants.application.scored.v1"):
    """A forum member recorded (or replaced) their scores; who scored stays in the service."""

    application_id: str
    fund_id: str
    scores_counted: int


class ApplicationConflictDeclared(EventData, event_type="grants.application.conflict_declared.v1"):
    """A forum member declared a conflict of interest; their score no longer counts."""

    application_id: str
    fund_id: str
    conflicts_declared: int


class ApplicationRecommended(EventData, event_type="grants.application.recommended.v1"):
    """Assessment recommends the application to the panel."""

    application_id: str
    fund_id: str


class ApplicationNotRecommended(EventData, event_type="grants.application.not_recommended.v1"):
    """Assessment does not recommend the application; the panel still decides."""

    application_id: str
    fund_id: str


class FunderShare(BaseModel):
    """The part of an award (or payment) attributed to one funder's contribution."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    contribution_id: str
    amount_pence: Pence


class ApplicationApproved(EventData, event_type="grants.application.approved.v1"):
    """The panel awarded a grant: the money is committed against the fund."""

    application_id: str
    fund_id: str
    amount_awarded_pence: Pence = Field(gt=0)
    ward_codes: list[GssCode]
    theme: str | None = None
    funder_shares: list[FunderShare] = []
    decided_at: datetime
    # Added for the wards' place profiles (the grants awarded in a ward); public in 360Giving, not personal data.
    title: str | None = Field(default=None, description="The project's title, as 360Giving publishes it.")
    recipient_organisation_name: str | None = Field(
        default=None, description="The organisation awarded the grant (its name only; its contact stays in grants)."
    )


class ApplicationRejected(EventData, event_type="grants.application.rejected.v1"):
    """The panel, quorate, refused the application."""

    application_id: str
    fund_id: str
    decided_at: datetime


class ApplicationOffered(EventData, event_type="grants.application.offered.v1"):
    """The award was offered on conditions, to be paid in tranches."""

    application_id: str
    fund_id: str
    amount_awarded_pence: Pence
    tranches: int


class ApplicationAccepted(EventData, event_type="grants.application.accepted.v1"):
    """The applicant accepted the offer and its conditions."""

    application_id: str
    fund_id: str


class TrancheApproved(EventData, event_type="grants.application.tranche_approved.v1"):
    """Finance approved a tranche of the award for payment."""

    application_id: str
    fund_id: str
    tranche_id: str
    sequence: int
    amount_pence: Pence


class TranchePaid(EventData, event_type="grants.application.tranche_paid.v1"):
    """A tranche was paid, attributed to the funders of the award."""

    application_id: str
    fund_id: str
    tranche_id: str
    sequence: int
    amount_pence: Pence
    funder_shares: list[FunderShare] = []
    paid_at: datetime


class RemainingTranchesCancelled(EventData, event_type="grants.application.tranches_cancelled.v1"):
    """An underspend: the unpaid tranches were cancelled and their commitment went back to the funders."""

    application_id: str
    fund_id: str
    sequences: list[int] = Field(description="The tranches cancelled")
    amount_paid_pence: Pence = Field(ge=0, description="What was paid, now the whole grant")
    released_pence: Pence = Field(ge=0, description="What went back to the funders")
    funder_shares: list[FunderShare] = Field(default=[], description="The release, attributed to each funder")


class ApplicationPaid(EventData, event_type="grants.application.paid.v1"):
    """Every tranche of the award has been paid."""

    application_id: str
    fund_id: str
    amount_paid_pence: Pence


class ApplicationMonitoringStarted(EventData, event_type="grants.application.monitoring_started.v1"):
    """The paid grant is being monitored."""

    application_id: str
    fund_id: str


class ApplicationClosed(EventData, event_type="grants.application.closed.v1"):
    """Monitoring is complete and the grant is closed."""

    application_id: str
    fund_id: str


class ApplicationWithdrawn(EventData, event_type="grants.application.withdrawn.v1"):
    """The application was withdrawn before payment; any award went back to its funders."""

    application_id: str
    fund_id: str
    previous_status: str
    released_pence: Pence = 0


class ApplicationPersonalDataErased(EventData, event_type="grants.application.personal_data_erased.v1"):
    """The applicant's contact details were erased on request; the grant record itself stays."""

    application_id: str
    fund_id: str
    erased_at: datetime


class MonitoringReportDue(EventData, event_type="grants.monitoring.report_due.v1"):
    """A live grant's monitoring report for the financial year is due on 31 March (raised once a year)."""

    application_id: str
    fund_id: str
    financial_year: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2017-18"])
    due_on: date


class MonitoringReportOverdue(EventData, event_type="grants.monitoring.report_overdue.v1"):
    """31 March passed with no monitoring report submitted for that financial year (raised once)."""

    application_id: str
    fund_id: str
    financial_year: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2017-18"])
    due_on: date


class MonitoringReportSubmitted(EventData, event_type="grants.monitoring.report_submitted.v1"):
    """The grantee submitted (or resubmitted) its monitoring report; its text stays in the service."""

    application_id: str
    fund_id: str
    report_id: str
    financial_year: str
    final: bool
    spend_to_date_pence: Pence = Field(ge=0)
    beneficiaries_reached: int = Field(ge=0)


class MonitoringReportReviewed(EventData, event_type="grants.monitoring.report_reviewed.v1"):
    """An officer reviewed a monitoring report: accepted, or more information needed."""

    application_id: str
    fund_id: str
    report_id: str
    financial_year: str
    outcome: str = Field(examples=["accepted", "more_information_needed"])
