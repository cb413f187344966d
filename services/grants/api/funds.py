"""``/v1/funds``: a council's funds, opened and closed by officers, and the fund's report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select

from services.grants import handlers
from services.grants.api.access import CouncilStaff, Officer
from services.grants.api.schemas import FundIn, FundOut, FundReportOut
from services.grants.domain import Application, Contribution, Fund, report_on
from services.grants.tables import applications, funds
from shared.auth import Authenticated
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["grants"])


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


@router.get(
    "/funds/{fund_id}/report", summary="Contributed, committed, paid and available per funder; awards by ward and theme"
)
async def get_report(
    fund_id: str,
    runtime: RuntimeDep,
    principal: CouncilStaff,
) -> FundReportOut:
    async with runtime.uow(principal.actor) as uow:
        fund = await handlers.load_fund(uow, principal, fund_id)
        awarded = (await uow.session.scalars(select(Application).where(applications.c.fund_id == fund.id))).all()
        report = report_on(fund, awarded)
    return FundReportOut.model_validate(report, from_attributes=True)
