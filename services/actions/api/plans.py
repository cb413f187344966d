"""``/v1/plans``: a council's action plans (several at once: borough-wide, for an area, board-owned), sign-off, summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.api.access import AsOf, Officer, Paging, Reader, Reviewer
from services.actions.api.schemas import PlanIn, PlanOut, PlanSummaryOut, SignOffIn, ThemeRag
from services.actions.domain import Action, Milestone, Plan, rag_by_theme
from shared.calendar import today_in_london
from shared.http import Page, fetch_page, make_page
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])


@router.post("/plans", status_code=status.HTTP_201_CREATED, summary="Create an action plan")
async def post_plan(body: PlanIn, runtime: RuntimeDep, principal: Officer) -> PlanOut:
    async with runtime.uow(principal.actor) as uow:
        plan = await handlers.create_plan(uow, council=principal.council, **body.model_dump())
    return PlanOut.of(plan)


@router.get("/plans", summary="Action plans of your council")
async def list_plans(
    runtime: RuntimeDep,
    principal: Reader,
    page: Paging,
    area: Annotated[str | None, Query(max_length=200, description="Only the plans for this area.")] = None,
    owner_body_id: Annotated[str | None, Query(description="Only the plans this board owns.")] = None,
) -> Page[PlanOut]:
    query = select(Plan).where(tables.plans.c.council == principal.council)
    if area is not None:
        query = query.where(tables.plans.c.area == area)
    if owner_body_id is not None:
        query = query.where(tables.plans.c.owner_body_id == owner_body_id)
    async with runtime.sessions() as session:
        rows = await fetch_page(session, query.order_by(tables.plans.c.period_start.desc(), tables.plans.c.id), page)
    return make_page([PlanOut.of(p) for p in rows], page)


@router.get("/plans/{plan_id}", summary="One action plan")
async def get_plan(plan_id: str, runtime: RuntimeDep, principal: Reader) -> PlanOut:
    async with runtime.sessions() as session:
        plan = await handlers.plan_of(session, plan_id, principal.council)
    return PlanOut.of(plan)


@router.get("/plans/{plan_id}/summary", summary="RAG counts per theme and milestone counts")
async def get_plan_summary(plan_id: str, runtime: RuntimeDep, principal: Reader, as_of: AsOf = None) -> PlanSummaryOut:
    today = as_of or today_in_london()
    async with runtime.sessions() as session:
        plan = await handlers.plan_of(session, plan_id, principal.council)
        actions = (await session.scalars(select(Action).where(tables.actions.c.plan_id == plan.id))).all()
        milestones = (await session.scalars(select(Milestone).where(tables.milestones.c.plan_id == plan.id))).all()
    counts = rag_by_theme(plan.themes, actions, today)
    return PlanSummaryOut(
        plan_id=plan.id,
        as_of=today,
        themes=[ThemeRag(theme=theme, **by_rag) for theme, by_rag in counts.items()],
        milestones_pending=sum(m.status == "pending" for m in milestones),
        milestones_complete=sum(m.status == "complete" for m in milestones),
        milestones_overdue=sum(m.is_overdue(today) for m in milestones),
    )


@router.post("/plans/{plan_id}/sign-off", summary="Sign the plan off (a member of its owning board)")
async def post_sign_off(plan_id: str, body: SignOffIn, runtime: RuntimeDep, principal: Reviewer) -> PlanOut:
    async with runtime.uow(principal.actor) as uow:
        plan = await handlers.sign_off_plan(
            uow, plan_id=plan_id, council=principal.council, signed_off_on=body.signed_off_on
        )
    return PlanOut.of(plan)
