"""``/v1/plans/{id}/reviews``: the forum's or board's reviews of a plan, and the changes they make to it."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.api.access import Paging, Reader, Reviewer
from services.actions.api.schemas import ReviewIn, ReviewOut
from services.actions.domain import PlanReview
from shared.http import Page, fetch_page, make_page
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])


@router.post("/plans/{plan_id}/reviews", status_code=status.HTTP_201_CREATED, summary="Record a review")
async def post_review(plan_id: str, body: ReviewIn, runtime: RuntimeDep, principal: Reviewer) -> ReviewOut:
    async with runtime.uow(principal.actor) as uow:
        review = await handlers.review_plan(
            uow,
            plan_id=plan_id,
            council=principal.council,
            held_on=body.held_on,
            attendees=body.attendees,
            decisions=body.decisions,
            changes=[c.change() for c in body.changes],
        )
    return ReviewOut.of(review)


@router.get("/plans/{plan_id}/reviews", summary="The reviews of a plan, latest first")
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
