"""Devolved budgets (``/v1/boundary-sets``, ``/v1/budgets``): officers record boundary sets and set a year's
budgets; members (or officers for them) pool CLF into the ward budget; utilisation for partners too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from sqlalchemy import select

from services.wards.api.access import (
    Officer,
    OfficerOrWardMember,
    StaffOrWardMember,
    StaffWardMemberOrPartner,
    member_subject,
    own_wards,
)
from services.wards.api.schemas import (
    FINANCIAL_YEAR_PATTERN,
    BoundarySetIn,
    BoundarySetOut,
    BudgetKindName,
    BudgetOut,
    PoolIn,
    PoolingOut,
    SharingOut,
    UtilisationOut,
    YearBudgetsIn,
    YearBudgetsOut,
)
from services.wards.domain import Budget, InvalidBudget, ensure_own_ward
from services.wards.handlers import (
    boundary_sets_of,
    budget_of,
    pool_clf,
    poolings_of,
    record_boundary_set,
    set_year_budgets,
    utilisation,
)
from services.wards.handlers.budgets import Scope
from services.wards.tables import ward_budgets
from shared.calendar import FinancialYear
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["budgets"])

YearLabel = Annotated[str, Path(pattern=FINANCIAL_YEAR_PATTERN, examples=["2017-18"])]
YearQuery = Annotated[str, Query(pattern=FINANCIAL_YEAR_PATTERN, examples=["2017-18"])]


def year_of(label: str) -> FinancialYear:
    try:
        return FinancialYear.parse(label)
    except ValueError as exc:
        raise InvalidBudget(str(exc), financial_year=label) from None


@router.put("/boundary-sets/{code}", summary="A boundary set of your council is in force from a day")
async def put_boundary_set(
    code: Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")],
    body: BoundarySetIn,
    runtime: RuntimeDep,
    principal: Officer,
) -> BoundarySetOut:
    async with runtime.uow(principal.actor) as uow:
        recorded = await record_boundary_set(uow, principal.council, code, body.in_force_from)
    return BoundarySetOut(code=recorded.code, in_force_from=recorded.in_force_from)


@router.get("/boundary-sets", summary="Your council's boundary sets, oldest first")
async def list_boundary_sets(runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> list[BoundarySetOut]:
    async with runtime.sessions() as session:
        sets = await boundary_sets_of(session, principal.council)
    return [BoundarySetOut(code=s.code, in_force_from=s.in_force_from) for s in sets]


@router.post(
    "/budgets/{financial_year}",
    status_code=status.HTTP_201_CREATED,
    summary="Set a year's devolved budgets: ward revenue and capital shared evenly, a CLF per member",
)
async def post_year_budgets(
    financial_year: YearLabel, body: YearBudgetsIn, runtime: RuntimeDep, principal: Officer
) -> YearBudgetsOut:
    """The totals are shared evenly, in pence, across the wards of the boundary set in force on 1 April; the
    pence left by the division go one each to the first wards by GSS code. Each member's CLF follows the
    council's rule: pro rata to the days of the year they are a member, rounded down to the penny. Once a year."""
    year = year_of(financial_year)
    async with runtime.uow(principal.actor) as uow:
        sharings, budgets = await set_year_budgets(
            uow,
            council=principal.council,
            year=year,
            revenue_total_pence=body.revenue_total_pence,
            capital_total_pence=body.capital_total_pence,
            clf_per_member_pence=body.clf_per_member_pence,
        )
    return YearBudgetsOut(
        financial_year=year.label,
        sharings=[SharingOut.of(s) for s in sharings],
        budgets=[BudgetOut.of(b) for b in budgets],
    )


@router.get("/budgets/utilisation", summary="Committed and spent as a % of each budget type")
async def get_utilisation(
    financial_year: YearQuery,
    runtime: RuntimeDep,
    principal: StaffWardMemberOrPartner,
    by: Annotated[Scope, Query(description="Per ward, per locality, or council-wide.")] = "council",
) -> list[UtilisationOut]:
    """For any financial year (the paper reports 2017/18: 82% of capital and 74% of revenue committed and spent).
    Held money (awaiting approval) is neither committed nor spent."""
    async with runtime.sessions() as session:
        rows = await utilisation(session, principal.council, year_of(financial_year).label, by)
    return [UtilisationOut.model_validate(row) for row in rows]


@router.get("/budgets", summary="Budgets of your council (a ward member: of their own wards)")
async def list_budgets(
    runtime: RuntimeDep,
    principal: StaffOrWardMember,
    page: Annotated[PageParams, Depends(page_params)],
    financial_year: YearQuery,
    gss_code: str | None = None,
    kind: BudgetKindName | None = None,
) -> Page[BudgetOut]:
    query = select(Budget).where(
        ward_budgets.c.council == principal.council, ward_budgets.c.financial_year == year_of(financial_year).label
    )
    wards = own_wards(principal)
    if wards is not None:
        query = query.where(ward_budgets.c.gss_code.in_(sorted(wards)))
    if gss_code:
        query = query.where(ward_budgets.c.gss_code == gss_code)
    if kind:
        query = query.where(ward_budgets.c.kind == kind)
    async with runtime.sessions() as session:
        rows = await fetch_page(
            session, query.order_by(ward_budgets.c.gss_code, ward_budgets.c.kind, ward_budgets.c.id), page
        )
    return make_page([BudgetOut.of(b) for b in rows], page)


@router.get("/budgets/{budget_id}", summary="One budget and its ledger")
async def get_budget(budget_id: str, runtime: RuntimeDep, principal: StaffOrWardMember) -> BudgetOut:
    async with runtime.sessions() as session:
        budget = await budget_of(session, principal.council, budget_id)
    ensure_own_ward(own_wards(principal), budget.gss_code, "reads the budgets")
    return BudgetOut.of(budget)


@router.get("/budgets/{budget_id}/poolings", summary="CLF money pooled into or out of a budget: its origin")
async def list_poolings(budget_id: str, runtime: RuntimeDep, principal: StaffOrWardMember) -> list[PoolingOut]:
    async with runtime.sessions() as session:
        budget = await budget_of(session, principal.council, budget_id)
        ensure_own_ward(own_wards(principal), budget.gss_code, "reads the budgets")
        poolings = await poolings_of(session, budget)
    return [PoolingOut.of(p) for p in poolings]


@router.post("/budgets/{budget_id}/pool", summary="Pool CLF money into the ward's revenue budget")
async def post_pool(budget_id: str, body: PoolIn, runtime: RuntimeDep, principal: OfficerOrWardMember) -> PoolingOut:
    """A member pools their own CLF; an officer records the pooling the ward's members agreed."""
    async with runtime.uow(principal.actor) as uow:
        pooling = await pool_clf(
            uow,
            council=principal.council,
            budget_id=budget_id,
            amount_pence=body.amount_pence,
            member_subject=member_subject(principal),
        )
    return PoolingOut.of(pooling)
