"""The actions HTTP API: ``/v1/plans``, ``/v1/actions``, ``/v1/milestones``, ``/v1/indicators``.

Officers (and admins) manage the plan; partners and forum members read it;
forum members and officers record the forum's reviews. Everything is scoped to
the caller's council: another council's record answers 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.domain import (
    Action,
    Direction,
    EventBinding,
    Indicator,
    IndicatorValue,
    Milestone,
    MilestoneStatus,
    Plan,
    PlanReview,
    Progress,
    Rag,
    rag_by_theme,
)
from shared.auth import Principal, require
from shared.calendar import today_in_london
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])

Manager = Annotated[Principal, Depends(require("officer"))]
Reader = Annotated[Principal, Depends(require("officer", "partner", "forum_member"))]
Reviewer = Annotated[Principal, Depends(require("officer", "forum_member"))]
Paging = Annotated[PageParams, Depends(page_params)]
AsOf = Annotated[date | None, Query(description="The date RAG is computed for (Europe/London); today when omitted.")]


# --- representations ------------------------------------------------------------------------------


class PlanIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    period_start: date
    period_end: date
    themes: list[str] = Field(min_length=1, examples=[["Coordination and overarching activity"]])


class PlanOut(BaseModel):
    id: str
    title: str
    period_start: date
    period_end: date
    themes: list[str]

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls.model_validate(plan, from_attributes=True)


class ActionIn(BaseModel):
    theme: str = Field(min_length=1, max_length=300)
    title: str = Field(min_length=1, max_length=500)
    lead_organisation: str = Field(min_length=1, max_length=300, examples=["South Yorkshire Police"])
    owner: str = Field(min_length=1, max_length=300, examples=["Assistant Chief Executive"])
    starts_on: date
    due_on: date
    task_and_finish_group: str | None = Field(default=None, max_length=300)


class ActionOut(BaseModel):
    id: str
    plan_id: str
    theme: str
    title: str
    lead_organisation: str
    owner: str
    starts_on: date
    due_on: date
    task_and_finish_group: str | None
    percent_complete: int
    rag: Rag = Field(description="Computed: % complete ÷ % of time elapsed; green ≥ 90, amber 70-89, red < 70.")
    performance: float | None = Field(description="% complete ÷ % of time elapsed, times 100; null before the start.")
    as_of: date

    @classmethod
    def of(cls, action: Action, today: date) -> ActionOut:
        value = action.performance(today)
        return cls(
            id=action.id,
            plan_id=action.plan_id,
            theme=action.theme,
            title=action.title,
            lead_organisation=action.lead_organisation,
            owner=action.owner,
            starts_on=action.starts_on,
            due_on=action.due_on,
            task_and_finish_group=action.task_and_finish_group,
            percent_complete=action.percent_complete,
            rag=action.rag(today),
            performance=round(float(value), 2) if value is not None else None,
            as_of=today,
        )


class BindingIn(BaseModel):
    event_type: str = Field(examples=["grants.fund.opened.v1"])
    subject: str = Field(min_length=1, max_length=200, description="The event's subject: the aggregate id (a fund id).")


class MilestoneIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    due_on: date
    binding: BindingIn | None = Field(
        default=None, description="Complete this milestone when an event of this type arrives for this subject."
    )


class MilestoneOut(BaseModel):
    id: str
    action_id: str
    plan_id: str
    title: str
    due_on: date
    status: MilestoneStatus
    evidence: str | None
    completed_at: datetime | None
    completed_by_event: str | None
    binding: BindingIn | None
    overdue: bool

    @classmethod
    def of(cls, milestone: Milestone, today: date | None = None) -> MilestoneOut:
        binding = milestone.binding
        return cls(
            id=milestone.id,
            action_id=milestone.action_id,
            plan_id=milestone.plan_id,
            title=milestone.title,
            due_on=milestone.due_on,
            status=milestone.status,
            evidence=milestone.evidence,
            completed_at=milestone.completed_at,
            completed_by_event=milestone.completed_by_event,
            binding=BindingIn(event_type=binding.event_type, subject=binding.subject) if binding else None,
            overdue=milestone.is_overdue(today or today_in_london()),
        )


class CompletionIn(BaseModel):
    evidence: str = Field(min_length=1, max_length=5000, examples=["Minutes of the SCF meeting, 25 May 2017"])


class ProgressIn(BaseModel):
    percent_complete: int = Field(ge=0, le=100)
    note: str = Field(min_length=1, max_length=5000)


class ProgressOut(BaseModel):
    id: str
    action_id: str
    percent_complete: int
    note: str
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, progress: Progress) -> ProgressOut:
        return cls.model_validate(progress, from_attributes=True)


class ThemeRag(BaseModel):
    theme: str
    green: int
    amber: int
    red: int


class PlanSummaryOut(BaseModel):
    plan_id: str
    as_of: date
    themes: list[ThemeRag]
    milestones_pending: int
    milestones_complete: int
    milestones_overdue: int


class ReviewIn(BaseModel):
    held_on: date
    attendees: str = Field(min_length=1, max_length=5000, examples=["SCF members; Leader of the Council (chair)"])
    decisions: list[str] = Field(default_factory=list, max_length=100)


class ReviewOut(BaseModel):
    id: str
    plan_id: str
    held_on: date
    attendees: str
    decisions: list[str]
    recorded_by: str

    @classmethod
    def of(cls, review: PlanReview) -> ReviewOut:
        return cls.model_validate(review, from_attributes=True)


class IndicatorIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    unit: str = Field(min_length=1, max_length=50, examples=["%"])
    higher_is_better: bool
    baseline: float
    baseline_period: str = Field(min_length=1, max_length=50, examples=["2016/17"])
    target: float
    target_period: str = Field(min_length=1, max_length=50, examples=["2019/20"])
    action_id: str | None = None


class IndicatorValueIn(BaseModel):
    period: str = Field(min_length=1, max_length=50, examples=["2017/18 Q1"])
    period_end: date
    value: float


class IndicatorValueOut(BaseModel):
    period: str
    period_end: date
    value: float


class IndicatorOut(BaseModel):
    id: str
    plan_id: str
    action_id: str | None
    title: str
    unit: str
    higher_is_better: bool
    baseline: float
    baseline_period: str
    target: float
    target_period: str
    values: list[IndicatorValueOut]
    direction: Direction | None = Field(description="The latest value against the one before (or the baseline).")
    target_met: bool | None

    @classmethod
    def of(cls, indicator: Indicator, values: list[IndicatorValue]) -> IndicatorOut:
        return cls(
            id=indicator.id,
            plan_id=indicator.plan_id,
            action_id=indicator.action_id,
            title=indicator.title,
            unit=indicator.unit,
            higher_is_better=indicator.higher_is_better,
            baseline=indicator.baseline,
            baseline_period=indicator.baseline_period,
            target=indicator.target,
            target_period=indicator.target_period,
            values=[IndicatorValueOut(period=v.period, period_end=v.period_end, value=v.value) for v in values],
            direction=indicator.direction(values),
            target_met=indicator.target_met(values),
        )


# --- plans ----------------------------------------------------------------------------------------


@router.post("/plans", status_code=status.HTTP_201_CREATED, summary="Create an action plan")
async def post_plan(body: PlanIn, runtime: RuntimeDep, principal: Manager) -> PlanOut:
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


# --- actions --------------------------------------------------------------------------------------


@router.post("/plans/{plan_id}/actions", status_code=status.HTTP_201_CREATED, summary="Add an action under a theme")
async def post_action(plan_id: str, body: ActionIn, runtime: RuntimeDep, principal: Manager) -> ActionOut:
    async with runtime.uow(principal.actor) as uow:
        action = await handlers.add_action(uow, plan_id=plan_id, council=principal.council, **body.model_dump())
    return ActionOut.of(action, today_in_london())


@router.get("/plans/{plan_id}/actions", summary="A plan's actions, with their RAG")
async def list_actions(
    plan_id: str, runtime: RuntimeDep, principal: Reader, page: Paging, as_of: AsOf = None
) -> Page[ActionOut]:
    today = as_of or today_in_london()
    async with runtime.sessions() as session:
        await handlers.plan_of(session, plan_id, principal.council)
        rows = await fetch_page(
            session,
            select(Action)
            .where(tables.actions.c.plan_id == plan_id)
            .order_by(tables.actions.c.theme, tables.actions.c.due_on, tables.actions.c.id),
            page,
        )
    return make_page([ActionOut.of(a, today) for a in rows], page)


@router.get("/actions/{action_id}", summary="One action, with its RAG")
async def get_action(action_id: str, runtime: RuntimeDep, principal: Reader, as_of: AsOf = None) -> ActionOut:
    async with runtime.sessions() as session:
        action = await handlers.action_of(session, action_id, principal.council)
    return ActionOut.of(action, as_of or today_in_london())


@router.post("/actions/{action_id}/progress", status_code=status.HTTP_201_CREATED, summary="Record progress")
async def post_progress(action_id: str, body: ProgressIn, runtime: RuntimeDep, principal: Manager) -> ActionOut:
    async with runtime.uow(principal.actor) as uow:
        action, _ = await handlers.record_progress(
            uow, action_id=action_id, council=principal.council, **body.model_dump()
        )
    return ActionOut.of(action, today_in_london())


@router.get("/actions/{action_id}/progress", summary="An action's progress updates, latest first")
async def list_progress(action_id: str, runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[ProgressOut]:
    async with runtime.sessions() as session:
        await handlers.action_of(session, action_id, principal.council)
        rows = await fetch_page(
            session,
            select(Progress)
            .where(tables.progress_updates.c.action_id == action_id)
            .order_by(tables.progress_updates.c.recorded_at.desc(), tables.progress_updates.c.id),
            page,
        )
    return make_page([ProgressOut.of(p) for p in rows], page)


# --- milestones -----------------------------------------------------------------------------------


@router.post("/actions/{action_id}/milestones", status_code=status.HTTP_201_CREATED, summary="Add a milestone")
async def post_milestone(action_id: str, body: MilestoneIn, runtime: RuntimeDep, principal: Manager) -> MilestoneOut:
    binding = EventBinding(body.binding.event_type, body.binding.subject) if body.binding else None
    async with runtime.uow(principal.actor) as uow:
        milestone = await handlers.add_milestone(
            uow,
            action_id=action_id,
            council=principal.council,
            title=body.title,
            due_on=body.due_on,
            binding=binding,
        )
    return MilestoneOut.of(milestone)


@router.get("/actions/{action_id}/milestones", summary="An action's milestones, by due date")
async def list_milestones(action_id: str, runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[MilestoneOut]:
    async with runtime.sessions() as session:
        await handlers.action_of(session, action_id, principal.council)
        rows = await fetch_page(
            session,
            select(Milestone)
            .where(tables.milestones.c.action_id == action_id)
            .order_by(tables.milestones.c.due_on, tables.milestones.c.id),
            page,
        )
    today = today_in_london()
    return make_page([MilestoneOut.of(m, today) for m in rows], page)


@router.get("/milestones/{milestone_id}", summary="One milestone")
async def get_milestone(milestone_id: str, runtime: RuntimeDep, principal: Reader) -> MilestoneOut:
    async with runtime.sessions() as session:
        milestone = await handlers.milestone_of(session, milestone_id, principal.council)
    return MilestoneOut.of(milestone)


@router.post("/milestones/{milestone_id}/complete", summary="Complete a milestone, with evidence")
async def post_complete(milestone_id: str, body: CompletionIn, runtime: RuntimeDep, principal: Manager) -> MilestoneOut:
    async with runtime.uow(principal.actor) as uow:
        milestone = await handlers.complete_milestone(
            uow, milestone_id=milestone_id, council=principal.council, evidence=body.evidence
        )
    return MilestoneOut.of(milestone)


# --- indicators -----------------------------------------------------------------------------------


@router.post("/plans/{plan_id}/indicators", status_code=status.HTTP_201_CREATED, summary="Add a priority indicator")
async def post_indicator(plan_id: str, body: IndicatorIn, runtime: RuntimeDep, principal: Manager) -> IndicatorOut:
    async with runtime.uow(principal.actor) as uow:
        indicator = await handlers.add_indicator(uow, plan_id=plan_id, council=principal.council, **body.model_dump())
    return IndicatorOut.of(indicator, [])


@router.get("/plans/{plan_id}/indicators", summary="A plan's indicators, with values and direction of travel")
async def list_indicators(plan_id: str, runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[IndicatorOut]:
    async with runtime.sessions() as session:
        await handlers.plan_of(session, plan_id, principal.council)
        rows = await fetch_page(
            session,
            select(Indicator)
            .where(tables.indicators.c.plan_id == plan_id)
            .order_by(tables.indicators.c.title, tables.indicators.c.id),
            page,
        )
        out = [IndicatorOut.of(i, await handlers.values_of(session, i.id)) for i in rows]
    return make_page(out, page)


@router.get("/indicators/{indicator_id}", summary="One indicator, with values and direction of travel")
async def get_indicator(indicator_id: str, runtime: RuntimeDep, principal: Reader) -> IndicatorOut:
    async with runtime.sessions() as session:
        indicator = await handlers.indicator_of(session, indicator_id, principal.council)
        values = await handlers.values_of(session, indicator.id)
    return IndicatorOut.of(indicator, values)


@router.post("/indicators/{indicator_id}/values", status_code=status.HTTP_201_CREATED, summary="Record a value")
async def post_indicator_value(
    indicator_id: str, body: IndicatorValueIn, runtime: RuntimeDep, principal: Manager
) -> IndicatorOut:
    async with runtime.uow(principal.actor) as uow:
        indicator, _, values = await handlers.record_indicator_value(
            uow, indicator_id=indicator_id, council=principal.council, **body.model_dump()
        )
    return IndicatorOut.of(indicator, values)
