"""The actions API's request and response bodies, and how each is made from the domain."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.actions.domain import (
    Action,
    Direction,
    Indicator,
    IndicatorValue,
    Milestone,
    MilestoneStatus,
    Plan,
    PlanReview,
    Progress,
    Rag,
)
from shared.calendar import today_in_london


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
