"""Request and response bodies of governance: boards and forums, task and finish groups, reviews and their changes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.actions.api.schemas.actions import ActionIn, BindingIn
from services.actions.api.schemas.indicators import IndicatorIn
from services.actions.domain import Body, BodyKind, GroupStatus, Member, MemberRole, PlanReview, TaskAndFinishGroup
from services.actions.handlers import (
    AddAction,
    AddIndicator,
    AddMilestone,
    AddObjective,
    AddPriority,
    MoveDueDate,
    PlanChange,
)
from shared.http import PlausibleDate, RequestModel


class MemberIn(RequestModel):
    person: str = Field(min_length=1, max_length=200, examples=["Cllr Peter Gruen"])
    organisation: str = Field(min_length=1, max_length=300, examples=["Leeds City Council"])
    role: MemberRole
    account: str | None = Field(
        default=None, max_length=200, description="The member's sign-in subject, when they use Cohesion themselves."
    )

    def member(self) -> Member:
        return Member(self.person, self.organisation, self.role, self.account)

    @classmethod
    def of(cls, member: Member, *, with_account: bool = True) -> MemberIn:
        """The seat; its sign-in account only for those who manage the body (officers)."""
        account = member.account if with_account else None
        return cls(person=member.person, organisation=member.organisation, role=member.role, account=account)


Members = Annotated[list[MemberIn], Field(max_length=200)]


class BodyIn(RequestModel):
    kind: BodyKind
    name: str = Field(min_length=1, max_length=300, examples=["Communities Board"])
    chair: str = Field(min_length=1, max_length=300, examples=["Cllr Peter Gruen"])
    terms_of_reference: str = Field(min_length=1, max_length=20000)
    members: Members = Field(default_factory=list)


class MembersIn(RequestModel):
    members: Members


class BodyOut(BaseModel):
    id: str
    kind: BodyKind
    name: str
    chair: str
    terms_of_reference: str
    members: list[MemberIn]

    @classmethod
    def of(cls, body: Body, *, with_accounts: bool = True) -> BodyOut:
        return cls(
            id=body.id,
            kind=body.kind,
            name=body.name,
            chair=body.chair,
            terms_of_reference=body.terms_of_reference,
            members=[MemberIn.of(m, with_account=with_accounts) for m in body.members],
        )


class GroupIn(RequestModel):
    name: str = Field(min_length=1, max_length=300)
    leader: str = Field(min_length=1, max_length=300)
    remit: str = Field(min_length=1, max_length=5000)
    starts_on: PlausibleDate
    ends_on: PlausibleDate
    members: Members = Field(default_factory=list)


class GroupCloseIn(RequestModel):
    closed_on: PlausibleDate


class GroupOut(BaseModel):
    id: str
    plan_id: str
    name: str
    leader: str
    remit: str
    starts_on: date
    ends_on: date
    members: list[MemberIn]
    status: GroupStatus
    closed_on: date | None
    overrun: bool = Field(description="Still open after its end date.")
    action_ids: list[str]

    @classmethod
    def of(cls, group: TaskAndFinishGroup, action_ids: list[str], today: date) -> GroupOut:
        return cls(
            id=group.id,
            plan_id=group.plan_id,
            name=group.name,
            leader=group.leader,
            remit=group.remit,
            starts_on=group.starts_on,
            ends_on=group.ends_on,
            members=[MemberIn.of(m, with_account=False) for m in group.members],
            status=group.status,
            closed_on=group.closed_on,
            overrun=group.has_overrun(today),
            action_ids=action_ids,
        )


# --- reviews and the changes they make ----------------------------------------------------------


class AddPriorityIn(RequestModel):
    kind: Literal["add_priority"]
    number: int = Field(ge=1, le=99)
    title: str = Field(min_length=1, max_length=500)

    def change(self) -> PlanChange:
        return AddPriority(self.number, self.title)


class AddObjectiveIn(RequestModel):
    kind: Literal["add_objective"]
    priority_id: str
    title: str = Field(min_length=1, max_length=2000)

    def change(self) -> PlanChange:
        return AddObjective(self.priority_id, self.title)


class AddActionIn(ActionIn):
    kind: Literal["add_action"]

    def change(self) -> PlanChange:
        return AddAction(**self.model_dump(exclude={"kind"}))


class AddMilestoneIn(RequestModel):
    kind: Literal["add_milestone"]
    action_id: str
    title: str = Field(min_length=1, max_length=500)
    due_on: PlausibleDate
    binding: BindingIn | None = None

    def change(self) -> PlanChange:
        return AddMilestone(self.action_id, self.title, self.due_on, self.binding.binding() if self.binding else None)


class AddIndicatorIn(IndicatorIn):
    kind: Literal["add_indicator"]

    def change(self) -> PlanChange:
        return AddIndicator(**self.model_dump(exclude={"kind", "action_id"}))


class MoveDueDateIn(RequestModel):
    kind: Literal["move_due_date"]
    action_id: str
    due_on: PlausibleDate

    def change(self) -> PlanChange:
        return MoveDueDate(self.action_id, self.due_on)


ChangeIn = Annotated[
    AddPriorityIn | AddObjectiveIn | AddActionIn | AddMilestoneIn | AddIndicatorIn | MoveDueDateIn,
    Field(discriminator="kind"),
]


class ReviewIn(RequestModel):
    held_on: PlausibleDate
    attendees: str = Field(min_length=1, max_length=5000, examples=["SCF members; Leader of the Council (chair)"])
    decisions: list[str] = Field(default_factory=list, max_length=100)
    changes: list[ChangeIn] = Field(
        default_factory=list,
        max_length=200,
        description="Changes to the plan this review makes: the only way a signed-off plan changes.",
    )


class ReviewOut(BaseModel):
    id: str
    plan_id: str
    held_on: date
    attendees: str
    decisions: list[str]
    recorded_by: str
    body_id: str | None
    changes: list[str] = Field(description="What the review changed, in words.")

    @classmethod
    def of(cls, review: PlanReview) -> ReviewOut:
        return cls.model_validate(review, from_attributes=True)
