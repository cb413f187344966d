"""Request and response bodies of actions, their progress and their milestones."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.actions.domain import Action, EventBinding, Milestone, MilestoneStatus, Progress, Rag
from shared.calendar import today_in_london
from shared.http import PlausibleDate, RequestModel


class ActionIn(RequestModel):
    theme: str = Field(min_length=1, max_length=300)
    title: str = Field(min_length=1, max_length=500)
    lead_organisation: str = Field(min_length=1, max_length=300, examples=["South Yorkshire Police"])
    owner: str = Field(min_length=1, max_length=300, examples=["Assistant Chief Executive"])
    starts_on: PlausibleDate
    due_on: PlausibleDate
    task_and_finish_group: str | None = Field(default=None, max_length=300)
    objective_id: str | None = Field(default=None, description="The objective of the plan the action serves.")
    group_id: str | None = Field(default=None, description="The task and finish group carrying it.")


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
    objective_id: str | None
    group_id: str | None
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
            objective_id=action.objective_id,
            group_id=action.group_id,
            percent_complete=action.percent_complete,
            rag=action.rag(today),
            performance=round(float(value), 2) if value is not None else None,
            as_of=today,
        )


class BindingIn(RequestModel):
    """Complete the milestone when an event of this type arrives about one thing: its subject, or a data field."""

    event_type: str = Field(min_length=1, max_length=200, examples=["grants.fund.opened.v1"])
    subject: str | None = Field(
        default=None, min_length=1, max_length=200, description="The event's subject: the aggregate id (a fund id)."
    )
    field: str | None = Field(
        default=None, min_length=1, max_length=200, description="A field of the event's data", examples=["ward_code"]
    )
    value: str | None = Field(default=None, min_length=1, max_length=200, description="The value that field must hold.")

    def binding(self) -> EventBinding:
        return EventBinding(self.event_type, self.subject, self.field, self.value)

    @classmethod
    def of(cls, binding: EventBinding) -> BindingIn:
        return cls(
            event_type=binding.event_type, subject=binding.subject, field=binding.data_field, value=binding.value
        )


class MilestoneIn(RequestModel):
    title: str = Field(min_length=1, max_length=500)
    due_on: PlausibleDate
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
            binding=BindingIn.of(binding) if binding else None,
            overdue=milestone.is_overdue(today or today_in_london()),
        )


class CompletionIn(RequestModel):
    evidence: str = Field(min_length=1, max_length=5000, examples=["Minutes of the SCF meeting, 25 May 2017"])


class ProgressIn(RequestModel):
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
