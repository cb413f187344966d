"""Commands on a paid grant's monitoring: start it, file and review reports, close the grant;
and the daily check that raises report-due and report-overdue once per grant and financial year.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import text

from services.grants.domain import DEFAULT_REPORT_NOTICE_DAYS, LIVE, Application, Fund, MonitoringReport
from services.grants.handlers.loading import change_application
from shared.auth import Principal
from shared.calendar import LONDON, FinancialYear, now
from shared.events import EventData
from shared.events.catalogue import grants as ev
from shared.unit_of_work import UnitOfWork


async def start_monitoring(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def start(application: Application, fund: Fund) -> list[EventData]:
        application.start_monitoring(now())
        return [ev.ApplicationMonitoringStarted(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "start_monitoring", start)


async def close_grant(uow: UnitOfWork, principal: Principal, application_id: str) -> Application:
    def close(application: Application, fund: Fund) -> list[EventData]:
        application.close(now())
        return [ev.ApplicationClosed(application_id=application.id, fund_id=fund.id)]

    return await change_application(uow, principal, application_id, "close", close)


REPORT_DUE, REPORT_OVERDUE = "grants.monitoring.report_due", "grants.monitoring.report_overdue"

# How many grants one transaction of the monitoring clock notices: a bound on its locks and its work
# per commit, so a national tick never holds one long transaction across commands.
NOTICE_BATCH = 500

# The grants owed a notice for one financial year that has not yet been raised, in id order after a
# key: the rule of ``Application.monitoring_notices`` (live, paid by the year's 31 March, no report
# for the year) in SQL, so a tick reads only what is due, through ``ix_applications_live``, the
# tranches' and reports' application index and the occurrences' key, and never builds an Application.
_OWED = text(
    f"""
    SELECT a.id, a.fund_id, a.council FROM applications a
    WHERE a.status IN ({", ".join(f"'{s}'" for s in sorted(LIVE))}) AND a.id > :after
      AND EXISTS (SELECT 1 FROM tranches t
                  WHERE t.application_id = a.id AND t.status = 'paid' AND t.paid_at < :paid_before)
      AND NOT EXISTS (SELECT 1 FROM monitoring_reports r
                      WHERE r.application_id = a.id AND r.financial_year = :year)
      AND NOT EXISTS (SELECT 1 FROM scheduled_occurrences o
                      WHERE o.kind = :kind AND o.key = a.id || ':' || :year)
    ORDER BY a.id LIMIT :batch
    """
)


def notices_owed(today: date, notice_days: int) -> list[tuple[str, FinancialYear]]:
    """Which notices may be owed today: report-due inside its window before 31 March, and report-overdue
    for the year that ended on the last 31 March (all year round)."""
    current = FinancialYear.of(today)
    owed = [("overdue", current.previous)]
    if current.ends_on - timedelta(days=notice_days) <= today:
        owed.insert(0, ("due", current))
    return owed


async def raise_monitoring_notices(
    uow: UnitOfWork, today: date, notice_days: int = DEFAULT_REPORT_NOTICE_DAYS, *, batch: int = NOTICE_BATCH
) -> list[tuple[str, str, str]]:
    """Raise report-due and report-overdue once per grant per financial year, ever (across restarts).

    Reads only the grants owed a notice not yet raised, ``batch`` at a time, each batch committed with
    its events and its audit entry. Returns (kind, application id, financial year) for what was raised now.
    """
    raised: list[tuple[str, str, str]] = []
    for kind, year in notices_owed(today, notice_days):
        occurrence = REPORT_DUE if kind == "due" else REPORT_OVERDUE
        event = ev.MonitoringReportDue if kind == "due" else ev.MonitoringReportOverdue
        # A payment counts for the year if it was made by 31 March in London: before midnight after it.
        paid_before = datetime.combine(year.ends_on + timedelta(days=1), time(), tzinfo=LONDON)
        after = ""
        while True:
            rows = (
                await uow.connection.execute(
                    _OWED,
                    {
                        "after": after,
                        "paid_before": paid_before,
                        "year": year.label,
                        "kind": occurrence,
                        "batch": batch,
                    },
                )
            ).all()
            noticed: list[tuple[str, str, str]] = []
            for application_id, fund_id, council in rows:
                if not await uow.first_occurrence(occurrence, f"{application_id}:{year.label}"):
                    continue
                uow.emit(
                    event(
                        application_id=application_id, fund_id=fund_id, financial_year=year.label, due_on=year.ends_on
                    ),
                    subject=application_id,
                    council=council,
                )
                noticed.append((kind, application_id, year.label))
            if noticed:
                uow.audit(
                    "grants.monitoring.notices",
                    None,
                    as_of=today.isoformat(),
                    raised=[{"kind": k, "application_id": a, "financial_year": y} for k, a, y in noticed],
                )
            await uow.commit()
            raised.extend(noticed)
            if len(rows) < batch:
                break
            after = rows[-1][0]
    return sorted(raised, key=lambda r: (r[1], r[0] != "due"))


async def submit_monitoring_report(
    uow: UnitOfWork, principal: Principal, application_id: str, report: MonitoringReport
) -> tuple[Application, MonitoringReport]:
    filed: list[MonitoringReport] = []

    def submit(application: Application, fund: Fund) -> list[EventData]:
        filed.append(application.submit_report(report, principal.subject, now()))
        return [
            ev.MonitoringReportSubmitted(
                application_id=application.id,
                fund_id=fund.id,
                report_id=filed[0].id,
                financial_year=filed[0].financial_year,
                final=filed[0].final,
                spend_to_date_pence=filed[0].spend_to_date_pence,
                beneficiaries_reached=filed[0].beneficiaries_reached,
            )
        ]

    # The report's free text may name people: the audit keeps which report, not what it says.
    application = await change_application(
        uow,
        principal,
        application_id,
        "submit_monitoring_report",
        submit,
        applicant_may=True,
        financial_year=report.financial_year,
        final=report.final,
    )
    return application, filed[0]


async def review_monitoring_report(
    uow: UnitOfWork, principal: Principal, application_id: str, report_id: str, outcome: str, comments: str
) -> tuple[Application, MonitoringReport]:
    reviewed: list[MonitoringReport] = []

    def review(application: Application, fund: Fund) -> list[EventData]:
        reviewed.append(application.review_report(report_id, outcome, comments, principal.subject, now()))
        return [
            ev.MonitoringReportReviewed(
                application_id=application.id,
                fund_id=fund.id,
                report_id=report_id,
                financial_year=reviewed[0].financial_year,
                outcome=outcome,
            )
        ]

    application = await change_application(
        uow, principal, application_id, "review_monitoring_report", review, report_id=report_id, outcome=outcome
    )
    return application, reviewed[0]
