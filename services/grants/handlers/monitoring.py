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
_OWED = f"""
    SELECT a.id, a.fund_id, a.council FROM applications a
    WHERE a.status IN ({", ".join(f"'{s}'" for s in sorted(LIVE))}) AND a.id > :after {{paid_since}}
      AND EXISTS (SELECT 1 FROM tranches t
                  WHERE t.application_id = a.id AND t.status = 'paid' AND t.paid_at < :paid_before)
      AND NOT EXISTS (SELECT 1 FROM monitoring_reports r
                      WHERE r.application_id = a.id AND r.financial_year = :year)
      AND NOT EXISTS (SELECT 1 FROM scheduled_occurrences o
                      WHERE o.kind = :kind AND o.key = a.id || ':' || :year)
    ORDER BY a.id LIMIT :batch
"""
# Once a year's notices of a kind have been swept through every live grant, only a payment can make
# another grant owe one (reports are never taken back; a grant never becomes live again), so a later
# tick reads only the grants paid since the sweep began, through ``ix_tranches_paid_at``: its work is
# what is due, not what exists. The margin covers a payment stamped before the sweep began but
# committed after the sweep's query passed it.
_EVERY_LIVE_GRANT = text(_OWED.format(paid_since=""))
_PAID_SINCE = text(
    _OWED.format(paid_since="AND a.id IN (SELECT p.application_id FROM tranches p WHERE p.paid_at >= :since)")
)
SWEEP_MARGIN = timedelta(minutes=10)
_SWEPT = text("SELECT swept_at FROM monitoring_sweeps WHERE kind = :kind AND financial_year = :year")
_SWEEP_DONE = text(
    """
    INSERT INTO monitoring_sweeps (kind, financial_year, swept_at) VALUES (:kind, :year, :at)
    ON CONFLICT (kind, financial_year) DO UPDATE SET swept_at = excluded.swept_at
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
        began = now()
        swept = (await uow.connection.execute(_SWEPT, {"kind": occurrence, "year": year.label})).scalar()
        query = _EVERY_LIVE_GRANT if swept is None else _PAID_SINCE
        since = {} if swept is None else {"since": swept - SWEEP_MARGIN}
        after = ""
        while True:
            arguments = {"after": after, "paid_before": paid_before, "year": year.label, "kind": occurrence}
            rows = (await uow.connection.execute(query, arguments | since | {"batch": batch})).all()
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
        await uow.connection.execute(_SWEEP_DONE, {"kind": occurrence, "year": year.label, "at": began})
        await uow.commit()
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
