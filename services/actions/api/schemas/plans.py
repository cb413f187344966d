"""Request and response bodies of plans: the plan, its priorities and objectives, sign-off and summary."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from services.actions.domain import Objective, Plan, PlanStatus, Priority
from shared.http import PlausibleDate, RequestModel


class PlanIn(RequestModel):
    title: str = Field(min_length=1, max_length=300)
    period_start: PlausibleDate
    period_end: PlausibleDate
    themes: list[str] = Field(min_length=1, examples=[["Coordination and overarching activity"]])
    vision: str | None = Field(default=None, max_length=5000)
    area: str | None = Field(
        default=None, min_length=1, max_length=200, description="One area of the council (e.g. Eastwood)."
    )
    owner_body_id: str | None = Field(default=None, description="The board that owns and signs off the plan.")
    reviewer_body_id: str | None = Field(default=None, description="The forum that reviews it, if not the owner.")


class PlanOut(BaseModel):
    id: str
    title: str
    period_start: date
    period_end: date
    themes: list[str]
    vision: str | None
    area: str | None
    owner_body_id: str | None
    reviewer_body_id: str | None
    status: PlanStatus
    signed_off_on: date | None

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls.model_validate(plan, from_attributes=True)


class SignOffIn(RequestModel):
    signed_off_on: PlausibleDate


class PriorityIn(RequestModel):
    number: int = Field(ge=1, le=99, examples=[1])
    title: str = Field(
        min_length=1, max_length=500, examples=["Ensuring the best start in life for children and families"]
    )


class ObjectiveIn(RequestModel):
    title: str = Field(min_length=1, max_length=2000)


class ObjectiveOut(BaseModel):
    id: str
    priority_id: str
    plan_id: str
    title: str
    position: int

    @classmethod
    def of(cls, objective: Objective) -> ObjectiveOut:
        return cls.model_validate(objective, from_attributes=True)


class PriorityOut(BaseModel):
    id: str
    plan_id: str
    number: int
    title: str
    label: str
    objectives: list[ObjectiveOut]

    @classmethod
    def of(cls, priority: Priority, objectives: list[Objective]) -> PriorityOut:
        return cls(
            id=priority.id,
            plan_id=priority.plan_id,
            number=priority.number,
            title=priority.title,
            label=priority.label,
            objectives=[ObjectiveOut.of(o) for o in objectives if o.priority_id == priority.id],
        )


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
