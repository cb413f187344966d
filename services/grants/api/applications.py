"""``/v1/applications``: drafted, revised, submitted and withdrawn by the applicant (or an officer for
them), read as each role may, and anonymised on request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select

from services.grants import handlers
from services.grants.api.access import ApplicantOrOfficer, Officer
from services.grants.api.schemas import ApplicationIn, ApplicationOut, ApplicationPatch
from services.grants.domain import AWARDED, Application
from services.grants.tables import applications
from shared.auth import Authenticated
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["grants"])


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


@router.post(
    "/applications/{application_id}/erasure",
    summary="Erase the applicant's personal data on request; the grant record stays, anonymised",
)
async def post_erasure(application_id: str, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.erase_personal_data(uow, principal, application_id)
    return ApplicationOut.of(application, principal)
