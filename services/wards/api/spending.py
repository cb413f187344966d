"""Spend requests (``/v1/spend-requests``) and who approves them (``/v1/spend-approvers``): a ward member asks of their own CLF, an officer of any budget (a
ward meeting's decision asks by itself); the approver approves or refuses; finance records the money spent;
an officer cancels."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from services.wards.api.access import (
    Approver,
    Finance,
    Officer,
    OfficerOrWardMember,
    StaffOrWardMember,
    member_subject,
    own_wards,
)
from services.wards.api.schemas import ApproverIn, ApproverOut, ReasonIn, SpendRequestIn, SpendRequestOut, SpentIn
from services.wards.domain import SpendApprover, SpendRequest, ensure_own_ward
from services.wards.handlers import (
    appoint_approvers,
    approve_spending,
    approvers_of,
    cancel_spending,
    record_spent,
    refuse_spending,
    request_spending,
    spend_request_of,
)
from services.wards.tables import spend_requests
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["spending"])

Status = Literal["awaiting_approval", "committed", "refused", "spent", "cancelled"]


@router.put("/spend-approvers", summary="Who approves your council's ward spending (replaces the list)")
async def put_spend_approvers(body: list[ApproverIn], runtime: RuntimeDep, principal: Officer) -> list[ApproverOut]:
    """They are emailed when a spend request awaits them (the paper: the Assistant Director of Housing and
    Neighbourhood Services)."""
    async with runtime.uow(principal.actor) as uow:
        chosen = await appoint_approvers(
            uow, principal.council, [SpendApprover(principal.council, a.email, a.name) for a in body]
        )
    return [ApproverOut(name=a.name, email=a.email) for a in chosen]


@router.get("/spend-approvers", summary="Who approves your council's ward spending")
async def get_spend_approvers(runtime: RuntimeDep, principal: Officer) -> list[ApproverOut]:
    async with runtime.sessions() as session:
        chosen = await approvers_of(session, principal.council)
    return [ApproverOut(name=a.name, email=a.email) for a in chosen]


@router.post("/spend-requests", status_code=status.HTTP_201_CREATED, summary="Ask to spend from a budget")
async def post_spend_request(
    body: SpendRequestIn, runtime: RuntimeDep, principal: OfficerOrWardMember
) -> SpendRequestOut:
    """A ward member asks only of their own CLF, in their own wards; ward budgets are spent by a ward meeting's
    decision or an officer's request. The money is held until the approver decides; refused, nothing is held."""
    async with runtime.uow(principal.actor) as uow:
        request = await request_spending(
            uow,
            council=principal.council,
            budget_id=body.budget_id,
            amount_pence=body.amount_pence,
            purpose=body.purpose,
            capital_item=body.capital_item,
            member_subject=member_subject(principal),
            own_wards=own_wards(principal),
            ward_plan_priority=body.ward_plan_priority,
        )
    return SpendRequestOut.of(request)


@router.get("/spend-requests", summary="Spend requests of your council (a ward member: of their own wards)")
async def list_spend_requests(
    runtime: RuntimeDep,
    principal: StaffOrWardMember,
    page: Annotated[PageParams, Depends(page_params)],
    status: Status | None = None,
    gss_code: str | None = None,
    meeting_id: str | None = None,
) -> Page[SpendRequestOut]:
    query = select(SpendRequest).where(spend_requests.c.council == principal.council)
    wards = own_wards(principal)
    if wards is not None:
        query = query.where(spend_requests.c.gss_code.in_(sorted(wards)))
    if status:
        query = query.where(spend_requests.c.status == status)
    if gss_code:
        query = query.where(spend_requests.c.gss_code == gss_code)
    if meeting_id:
        query = query.where(spend_requests.c.meeting_id == meeting_id)
    async with runtime.sessions() as session:
        rows = await fetch_page(session, query.order_by(spend_requests.c.requested_at, spend_requests.c.id), page)
    return make_page([SpendRequestOut.of(r) for r in rows], page)


@router.get("/spend-requests/{request_id}", summary="One spend request")
async def get_spend_request(request_id: str, runtime: RuntimeDep, principal: StaffOrWardMember) -> SpendRequestOut:
    async with runtime.sessions() as session:
        request = await spend_request_of(session, principal.council, request_id)
    ensure_own_ward(own_wards(principal), request.gss_code, "reads the spend requests")
    return SpendRequestOut.of(request)


@router.post("/spend-requests/{request_id}/approve", summary="Approve: the money is committed")
async def post_approve(request_id: str, runtime: RuntimeDep, principal: Approver) -> SpendRequestOut:
    async with runtime.uow(principal.actor) as uow:
        request = await approve_spending(uow, principal.council, request_id)
    return SpendRequestOut.of(request)


@router.post("/spend-requests/{request_id}/refuse", summary="Refuse, with a reason: the money is released")
async def post_refuse(request_id: str, body: ReasonIn, runtime: RuntimeDep, principal: Approver) -> SpendRequestOut:
    async with runtime.uow(principal.actor) as uow:
        request = await refuse_spending(uow, principal.council, request_id, body.reason)
    return SpendRequestOut.of(request)


@router.post("/spend-requests/{request_id}/spent", summary="Record the money spent (at most what was committed)")
async def post_spent(request_id: str, body: SpentIn, runtime: RuntimeDep, principal: Finance) -> SpendRequestOut:
    async with runtime.uow(principal.actor) as uow:
        request = await record_spent(uow, principal.council, request_id, body.spent_pence)
    return SpendRequestOut.of(request)


@router.post("/spend-requests/{request_id}/cancel", summary="Cancel before it is spent: the money is released")
async def post_cancel(request_id: str, body: ReasonIn, runtime: RuntimeDep, principal: Officer) -> SpendRequestOut:
    async with runtime.uow(principal.actor) as uow:
        request = await cancel_spending(uow, principal.council, request_id, body.reason)
    return SpendRequestOut.of(request)
