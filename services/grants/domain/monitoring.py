"""Monitoring: a live grant owes a report for every UK financial year it was paid in (due by 31 March,
then overdue); an officer accepts each or asks for more, and a grant closes on its accepted final report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.grants.domain.errors import (
    FinalReportOutstanding,
    IllegalTransition,
    InvalidReport,
    MonitoringReportNotFound,
)
from services.grants.domain.ids import new_id
from services.grants.domain.lifecycle import LIVE, MOVES
from services.grants.domain.payments import PaymentMoves
from shared.calendar import FinancialYear, today_in_london

# How many days before 31 March a grant is reminded that its monitoring report is due.
DEFAULT_REPORT_NOTICE_DAYS = 30


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    MORE_INFORMATION_NEEDED = "more_information_needed"


REVIEW_OUTCOMES = (ReportStatus.ACCEPTED, ReportStatus.MORE_INFORMATION_NEEDED)


@dataclass(eq=False)
class MonitoringReport:
    """The grantee's account of a financial year: what was spent, who was reached, what changed."""

    financial_year: str
    summary: str
    spend_to_date_pence: int
    beneficiaries_reached: int
    outcomes: str = ""
    final: bool = False
    status: str = ReportStatus.SUBMITTED
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_comments: str | None = None
    id: str = field(default_factory=new_id)

    def check(self) -> None:
        if not self.summary.strip():
            raise InvalidReport("A monitoring report needs a summary.", field="summary")
        if self.spend_to_date_pence < 0:
            raise InvalidReport("Spend to date cannot be negative.", field="spend_to_date_pence")
        if self.beneficiaries_reached < 0:
            raise InvalidReport("Beneficiaries reached cannot be negative.", field="beneficiaries_reached")

    def revise_from(self, other: MonitoringReport) -> None:
        """A resubmission after "more information needed": the same report, new content."""
        self.summary, self.outcomes, self.final = other.summary, other.outcomes, other.final
        self.spend_to_date_pence, self.beneficiaries_reached = other.spend_to_date_pence, other.beneficiaries_reached

    def review(self, outcome: str, comments: str, by: str, now: datetime) -> None:
        if outcome not in REVIEW_OUTCOMES:
            raise InvalidReport(f"A review is one of {', '.join(REVIEW_OUTCOMES)}.", field="outcome")
        if self.status != ReportStatus.SUBMITTED:
            raise IllegalTransition(f"monitoring report for {self.financial_year}", self.status, "review")
        if outcome == ReportStatus.MORE_INFORMATION_NEEDED and not comments.strip():
            raise InvalidReport("Say what more information is needed.", field="comments")
        self.status, self.review_comments = outcome, comments
        self.reviewed_by, self.reviewed_at = by, now


@dataclass(frozen=True)
class Notice:
    """A monitoring notice owed today: ``kind`` is ``due`` or ``overdue``."""

    kind: str
    year: FinancialYear


class MonitoringMoves(PaymentMoves):
    """The part of an ``Application`` that reports on a paid grant, and closes it."""

    monitoring_reports: list[MonitoringReport]

    def start_monitoring(self, now: datetime) -> None:
        self._move("start_monitoring")
        self.updated_at = now

    def close(self, now: datetime) -> None:
        """A monitored grant closes once its final monitoring report has been accepted."""
        allowed, _ = MOVES["close"]
        if self.status not in allowed:
            raise IllegalTransition("application", self.status, "close")
        if not any(r.final and r.status == ReportStatus.ACCEPTED for r in self.monitoring_reports):
            raise FinalReportOutstanding(self.id)
        self._move("close")
        self.updated_at = now

    # Monitoring

    @property
    def is_live(self) -> bool:
        """Money has been paid and the grant is not closed: it owes monitoring reports."""
        return self.status in LIVE and self.amount_paid_pence > 0

    @property
    def first_paid_on(self) -> date | None:
        paid = [today_in_london(t.paid_at) for t in self.tranches if t.paid_at is not None]
        return min(paid) if paid else None

    def owes_report_for(self, year: FinancialYear) -> bool:
        """A live grant owes a report for each financial year in which money had been paid by 31 March."""
        first = self.first_paid_on
        return self.is_live and first is not None and first <= year.ends_on

    def report_for(self, year: FinancialYear) -> MonitoringReport | None:
        return next((r for r in self.monitoring_reports if r.financial_year == year.label), None)

    def monitoring_notices(self, today: date, notice_days: int = DEFAULT_REPORT_NOTICE_DAYS) -> list[Notice]:
        """What the grant should be told today about its reports (the caller makes each notice fire once).

        Due: from ``notice_days`` before 31 March up to 31 March itself, while that year's report has
        not been submitted. Overdue: any day of the following year, while the report for the year that
        ended on the last 31 March has still not been submitted.
        """
        notices: list[Notice] = []
        current = FinancialYear.of(today)
        window_opens = current.ends_on - timedelta(days=notice_days)
        if window_opens <= today and self.owes_report_for(current) and self.report_for(current) is None:
            notices.append(Notice("due", current))
        previous = current.previous
        if self.owes_report_for(previous) and self.report_for(previous) is None:
            notices.append(Notice("overdue", previous))
        return notices

    def submit_report(self, report: MonitoringReport, by: str, now: datetime) -> MonitoringReport:
        """File the grantee's report for a year; a report sent back for more information may be filed again."""
        if not self.is_live:
            raise IllegalTransition("application", self.status, "submit_monitoring_report")
        report.check()
        try:
            year = FinancialYear.parse(report.financial_year)
        except ValueError as exc:
            raise InvalidReport(str(exc), field="financial_year") from exc
        today = today_in_london(now)
        if year.starts_on > today or not self.owes_report_for(year):
            raise InvalidReport(
                f"Grant {self.id} owes no monitoring report for {year}: reports cover the financial years "
                "in which it has been paid, up to the current one.",
                field="financial_year",
            )
        existing = self.report_for(year)
        if existing is None:
            self.monitoring_reports.append(report)
        elif existing.status == ReportStatus.MORE_INFORMATION_NEEDED:
            existing.revise_from(report)
            report = existing
        else:
            raise IllegalTransition(f"monitoring report for {year}", existing.status, "submit")
        report.status, report.submitted_by, report.submitted_at = ReportStatus.SUBMITTED, by, now
        report.reviewed_by = report.reviewed_at = None
        self.updated_at = now
        return report

    def review_report(self, report_id: str, outcome: str, comments: str, by: str, now: datetime) -> MonitoringReport:
        report = next((r for r in self.monitoring_reports if r.id == report_id), None)
        if report is None:
            raise MonitoringReportNotFound(self.id, report_id)
        report.review(outcome, comments, by, now)
        self.updated_at = now
        return report
