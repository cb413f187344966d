"""Events published by the grants service.

Every application event's subject is the application id and every fund event's
subject is the fund id, so the outbox keeps each aggregate's events in order.
Payloads carry ids, codes, integer pence and dates only: the applicant
organisation's contact details never leave the grants service.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import EventData

GssCode = str
Pence = int


class FundCreated(EventData, event_type="grants.fund.created.v1"):
    fund_id: str
    name: str
    themes: list[str]
    maximum_award_pence: Pence
    total_contributions_pence: Pence
    opens_on: date | None = None
    closes_on: date | None = None
    panel_name: str | None = None


class FundOpened(EventData, event_type="grants.fund.opened.v1"):
    # fund_id must stay: the actions service binds milestones to it.
    fund_id: str
    name: str
    opened_at: datetime
    closes_on: date | None = None


class FundClosed(EventData, event_type="grants.fund.closed.v1"):
    fund_id: str
    closed_at: datetime


class ApplicationCreated(EventData, event_type="grants.application.created.v1"):
    """A draft application was started (not yet submitted)."""

    application_id: str
    fund_id: str
    amount_requested_pence: Pence = Field(ge=0)
    ward_codes: list[GssCode]
    theme: str | None = None


class ApplicationSubmitted(EventData, event_type="grants.application.submitted.v1"):
    application_id: str
    fund_id: str
    amount_requested_pence: Pence = Field(ge=0)
    ward_codes: list[GssCode]
    theme: str | None = None


class ApplicationAssessmentStarted(EventData, event_type="grants.application.assessment_started.v1"):
    application_id: str
    fund_id: str


class ApplicationScored(EventData, event_type="grants.application.scored.v1"):
    """A forum member recorded (or replaced) their scores; who scored stays in the service."""

    application_id: str
    fund_id: str
    scores_counted: int


class ApplicationConflictDeclared(EventData, event_type="grants.application.conflict_declared.v1"):
    application_id: str
    fund_id: str
    conflicts_declared: int


class ApplicationRecommended(EventData, event_type="grants.application.recommended.v1"):
    application_id: str
    fund_id: str


class ApplicationNotRecommended(EventData, event_type="grants.application.not_recommended.v1"):
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


class ApplicationRejected(EventData, event_type="grants.application.rejected.v1"):
    application_id: str
    fund_id: str
    decided_at: datetime


class ApplicationOffered(EventData, event_type="grants.application.offered.v1"):
    application_id: str
    fund_id: str
    amount_awarded_pence: Pence
    tranches: int


class ApplicationAccepted(EventData, event_type="grants.application.accepted.v1"):
    application_id: str
    fund_id: str


class TrancheApproved(EventData, event_type="grants.application.tranche_approved.v1"):
    application_id: str
    fund_id: str
    tranche_id: str
    sequence: int
    amount_pence: Pence


class TranchePaid(EventData, event_type="grants.application.tranche_paid.v1"):
    application_id: str
    fund_id: str
    tranche_id: str
    sequence: int
    amount_pence: Pence
    funder_shares: list[FunderShare] = []
    paid_at: datetime


class ApplicationPaid(EventData, event_type="grants.application.paid.v1"):
    """Every tranche of the award has been paid."""

    application_id: str
    fund_id: str
    amount_paid_pence: Pence


class ApplicationMonitoringStarted(EventData, event_type="grants.application.monitoring_started.v1"):
    application_id: str
    fund_id: str


class ApplicationClosed(EventData, event_type="grants.application.closed.v1"):
    application_id: str
    fund_id: str


class ApplicationWithdrawn(EventData, event_type="grants.application.withdrawn.v1"):
    application_id: str
    fund_id: str
    previous_status: str
    released_pence: Pence = 0
