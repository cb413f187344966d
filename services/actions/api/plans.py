"""``/v1/plans``: a council's action plans, their RAG summary and the forum's reviews of them."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.api.access import AsOf, Officer, Paging, Reader, Reviewer
from services.actions.api.schemas import PlanIn, PlanOut, PlanSummaryOut, ReviewIn, ReviewOut, ThemeRag
from services.actions.domain import Action, Milestone, Plan, PlanReview, rag_by_theme
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
async def list_plans(runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[PlanOut]:
    async with runtime.sessions() as session:
        rows = await fetch_page(
            session,
            select(Plan)
            .where(tables.plans.c.council == principal.council)
            .order_by(tables.plans.c.period_start.desc(), tables.plans.c.id),
            page,
        )
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


@router.post("/plans/{plan_id}/reviews", status_code=status.HTTP_201_CREATED, summary="Record a forum review")
async def post_review(plan_id: str, body: ReviewIn, runtime: RuntimeDep, principal: Reviewer) -> ReviewOut:
    async with runtime.uow(principal.actor) as uow:
        review = await handlers.review_plan(uow, plan_id=plan_id, council=principal.council, **body.model_dump())
    return ReviewOut.of(review)


@router.get("/plans/{plan_id}/reviews", summary="The forum's reviews of a plan, latest first")
async def list_reviews(plan_id: str, runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[ReviewOut]:
    async with runtime.sessions() as session:
        await handlers.plan_of(session, plan_id, principal.council)
        rows = await fetch_page(
            session,
            select(PlanReview)
            .where(tables.plan_reviews.c.plan_id == plan_id)
            .order_by(tables.plan_reviews.c.held_on.desc(), tables.plan_reviews.c.id),
            page,
        )
    return make_page([ReviewOut.of(r) for r in rows], page)
