"""A paid grant's monitoring: started and closed by an officer; its yearly reports filed by the grantee
and reviewed by an officer.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from services.grants import handlers
from services.grants.api.access import ApplicantOrOfficer, Officer
from services.grants.api.schemas import ApplicationOut, MonitoringReportIn, MonitoringReportOut, ReviewIn
from services.grants.domain import MonitoringReport
from shared.auth import Authenticated
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["grants"])


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
