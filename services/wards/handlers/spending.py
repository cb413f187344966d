"""Commands on spend requests: request (by a member of their own CLF, an officer, or a ward meeting's
decision), approve or refuse (the approver), record spent (finance), cancel (an officer).

Each locks the request's row, then its budget's, changes both by the domain's rules and writes its
event in the same transaction: concurrent requests against one budget queue on its row lock, and each
sees the ledger the one before left, so none is held beyond the budget's room.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import (
    Budget,
    BudgetKind,
    SpendApprover,
    SpendRequest,
    UnknownSpendRequest,
    WardMeeting,
    ensure_own_ward,
    request_spend,
)
from services.wards.handlers.budgets import acting_member, budget_of, ward_budget
from services.wards.handlers.plans import ensure_plan_priority
from services.wards.tables import spend_approvers, spend_requests
from shared.calendar import FinancialYear
from shared.events.base import EventData
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork


def _requested(uow: UnitOfWork, request: SpendRequest) -> None:
    uow.emit(
        ev.SpendRequested(
            spend_request_id=request.id,
            budget_id=request.budget_id,
            gss_code=request.gss_code,
            financial_year=request.financial_year,
            budget_kind=BudgetKind(request.budget_kind).value,
            amount_pence=request.amount_pence,
            capital_item=request.capital_item,
            meeting_id=request.meeting_id,
        ),
        subject=request.id,
        council=request.council,
    )
    uow.audit("wards.spend.request", request.id, budget_id=request.budget_id, amount_pence=request.amount_pence)


async def request_spending(
    uow: UnitOfWork,
    *,
    council: str,
    budget_id: str,
    amount_pence: int,
    purpose: str,
    capital_item: bool,
    member_subject: str | None,
    own_wards: frozenset[str] | None,
    ward_plan_priority: str | None = None,
) -> SpendRequest:
    """A spend request awaiting the approver, its money held.

    ``member_subject`` and ``own_wards``: a ward member asking, known by their token's subject, who asks
    only of their own CLF in their own wards; ``None`` for an officer, who asks of any budget of the council.
    """
    as_member = await acting_member(uow.session, council, member_subject)
    budget = await budget_of(uow.session, council, budget_id, lock=True)
    ensure_own_ward(own_wards, budget.gss_code, "asks to spend")
    await ensure_plan_priority(uow.session, budget.gss_code, ward_plan_priority)
    request = request_spend(
        budget,
        amount_pence=amount_pence,
        purpose=purpose,
        capital_item=capital_item,
        requested_by=uow.actor.subject,
        as_member=as_member,
        ward_plan_priority=ward_plan_priority,
    )
    uow.session.add(request)
    _requested(uow, request)
    await uow.commit()
    return request


async def request_spending_for_decisions(uow: UnitOfWork, meeting: WardMeeting) -> list[SpendRequest]:
    """Each decision of the meeting that allocates money becomes its spend request, against the ward's budget
    for the meeting's financial year; the caller commits, with the meeting, or nothing of either."""
    year = FinancialYear.of(meeting.held_on).label
    requests = []
    for decision in meeting.decisions:
        if not decision.allocates or decision.budget_kind is None or decision.budget_allocation_pence is None:
            continue
        budget = await ward_budget(
            uow.session, meeting.council, meeting.gss_code, year, BudgetKind(decision.budget_kind), lock=True
        )
        request = request_spend(
            budget,
            amount_pence=decision.budget_allocation_pence,
            purpose=decision.text,
            capital_item=decision.capital_item,
            requested_by=uow.actor.subject,
            meeting_id=meeting.id,
            decision_position=decision.position,
        )
        uow.session.add(request)
        _requested(uow, request)
        requests.append(request)
    return requests


async def appoint_approvers(uow: UnitOfWork, council: str, approvers: list[SpendApprover]) -> list[SpendApprover]:
    """The council's approvers of ward spending, replacing the last list (audited; not published: it is
    personal data)."""
    await uow.session.execute(delete(spend_approvers).where(spend_approvers.c.council == council))
    chosen = list({a.email.lower(): a for a in approvers}.values())
    uow.session.add_all(chosen)
    uow.audit("wards.spend.approvers", council, count=len(chosen))
    await uow.commit()
    return chosen


async def approvers_of(session: AsyncSession, council: str) -> list[SpendApprover]:
    query = select(SpendApprover).where(spend_approvers.c.council == council).order_by(spend_approvers.c.email)
    return list((await session.scalars(query)).all())


async def spend_request_of(session: AsyncSession, council: str, request_id: str, *, lock: bool = False) -> SpendRequest:
    query = select(SpendRequest).where(spend_requests.c.id == request_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = (await session.scalars(query)).one_or_none()
    if request is None or request.council != council:
        raise UnknownSpendRequest(f"No spend request {request_id} in council {council}.", spend_request_id=request_id)
    return request


async def _decide(
    uow: UnitOfWork,
    council: str,
    request_id: str,
    action: str,
    change: Callable[[SpendRequest, Budget], EventData],
) -> SpendRequest:
    """Lock the request, then its budget; change both by the domain's rule; publish and audit what changed."""
    request = await spend_request_of(uow.session, council, request_id, lock=True)
    budget = await budget_of(uow.session, council, request.budget_id, lock=True)
    event = change(request, budget)
    uow.emit(event, subject=request.id, council=council)
    uow.audit(action, request.id, **event.model_dump(mode="json", exclude={"spend_request_id", "gss_code"}))
    await uow.commit()
    return request


async def approve_spending(uow: UnitOfWork, council: str, request_id: str) -> SpendRequest:
    """The approver approves: the money held is committed."""

    def approve(request: SpendRequest, budget: Budget) -> EventData:
        request.approve(budget, by=uow.actor.subject)
        return ev.SpendApproved(
            spend_request_id=request.id,
            budget_id=budget.id,
            gss_code=request.gss_code,
            committed_pence=request.amount_pence,
        )

    return await _decide(uow, council, request_id, "wards.spend.approve", approve)


async def refuse_spending(uow: UnitOfWork, council: str, request_id: str, reason: str) -> SpendRequest:
    """The approver refuses, with a reason: the money held is released."""

    def refuse(request: SpendRequest, budget: Budget) -> EventData:
        request.refuse(budget, by=uow.actor.subject, reason=reason)
        return ev.SpendRefused(
            spend_request_id=request.id,
            budget_id=budget.id,
            gss_code=request.gss_code,
            released_pence=request.amount_pence,
        )

    return await _decide(uow, council, request_id, "wards.spend.refuse", refuse)


async def record_spent(uow: UnitOfWork, council: str, request_id: str, spent_pence: int) -> SpendRequest:
    """Finance records the money spent, at most what was committed: the rest is released."""

    def spend(request: SpendRequest, budget: Budget) -> EventData:
        released = request.record_spent(budget, spent_pence, by=uow.actor.subject)
        return ev.SpendRecorded(
            spend_request_id=request.id,
            budget_id=budget.id,
            gss_code=request.gss_code,
            spent_pence=spent_pence,
            released_pence=released,
        )

    return await _decide(uow, council, request_id, "wards.spend.spent", spend)


async def cancel_spending(uow: UnitOfWork, council: str, request_id: str, reason: str) -> SpendRequest:
    """An officer cancels before it is spent: the money held or committed is released."""

    def cancel(request: SpendRequest, budget: Budget) -> EventData:
        released = request.cancel(budget, by=uow.actor.subject, reason=reason)
        return ev.SpendCancelled(
            spend_request_id=request.id, budget_id=budget.id, gss_code=request.gss_code, released_pence=released
        )

    return await _decide(uow, council, request_id, "wards.spend.cancel", cancel)
