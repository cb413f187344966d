"""Commands on a paid grant's monitoring: start it, file and review reports, close the grant;
and the daily check that raises report-due and report-overdue once per grant and financial year.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.grants.domain import DEFAULT_REPORT_NOTICE_DAYS, LIVE, Application, Fund, MonitoringReport
from services.grants.handlers.loading import change_application
from services.grants.tables import applications
from shared.auth import Principal
from shared.calendar import now
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


async def raise_monitoring_notices(
    uow: UnitOfWork, today: date, notice_days: int = DEFAULT_REPORT_NOTICE_DAYS
) -> list[tuple[str, str, str]]:
    """Raise report-due and report-overdue once per grant per financial year, ever (across restarts).

    Returns (kind, application id, financial year) for what was raised now.
    """
    live = (
        await uow.session.scalars(
            select(Application).where(applications.c.status.in_(list(LIVE))).order_by(applications.c.id)
        )
    ).all()
    raised: list[tuple[str, str, str]] = []
    for application in live:
        for notice in application.monitoring_notices(today, notice_days):
            kind = REPORT_DUE if notice.kind == "due" else REPORT_OVERDUE
            if not await uow.first_occurrence(kind, f"{application.id}:{notice.year.label}"):
                continue
            event = ev.MonitoringReportDue if notice.kind == "due" else ev.MonitoringReportOverdue
            uow.emit(
                event(
                    application_id=application.id,
                    fund_id=application.fund_id,
                    financial_year=notice.year.label,
                    due_on=notice.year.ends_on,
                ),
                subject=application.id,
                council=application.council,
            )
            raised.append((notice.kind, application.id, notice.year.label))
    if raised:
        uow.audit(
            "grants.monitoring.notices",
            None,
            as_of=today.isoformat(),
            raised=[{"kind": k, "application_id": a, "financial_year": y} for k, a, y in raised],
        )
    await uow.commit()
    return raised


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
