"""A plan of the council: its vision, period, themes and priorities; it takes actions, reviews and indicators.

A council runs several plans at once: borough-wide, for one area (the 2017
paper's "Eastwood action plan") or owned by a partnership board ("an annual
plan owned by the Board", 2011). A plan is drafted, signed off by its owning
board, and from then on changed only through a recorded review naming what it
changed (the 2013 paper: "signed off in September").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from services.actions.domain.action import Action
from services.actions.domain.body import Body
from services.actions.domain.group import TaskAndFinishGroup
from services.actions.domain.indicator import Indicator
from services.actions.domain.priority import Objective, Priority
from services.actions.domain.review import PlanReview
from services.actions.domain.rules import InvalidCommand, NotPermitted, new_id
from shared.rules import IllegalState

PlanStatus = Literal["draft", "signed_off"]


@dataclass
class Plan:
    council: str
    title: str
    period_start: date
    period_end: date
    themes: list[str]
    vision: str | None = None
    area: str | None = None  # one area of the council ("Eastwood"); None for the whole council
    owner_body_id: str | None = None
    reviewer_body_id: str | None = None
    status: PlanStatus = "draft"
    signed_off_on: date | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise InvalidCommand(
                f"The plan ends ({self.period_end}) before it starts ({self.period_start}).", field="period_end"
            )
        themes = [t.strip() for t in self.themes]
        if not themes or any(not t for t in themes):
            raise InvalidCommand("A plan needs at least one theme, and no theme may be blank.", field="themes")
        if len(set(themes)) != len(themes):
            raise InvalidCommand("A plan's themes must be distinct.", field="themes")
        self.themes = themes

    def add_action(
        self,
        *,
        theme: str,
        title: str,
        lead_organisation: str,
        owner: str,
        starts_on: date,
        due_on: date,
        task_and_finish_group: str | None = None,
        objective: Objective | None = None,
        group: TaskAndFinishGroup | None = None,
    ) -> Action:
        if objective is not None and objective.plan_id != self.id:
            raise InvalidCommand(f"Objective {objective.id} belongs to another plan.", field="objective_id")
        if group is not None and group.plan_id != self.id:
            raise InvalidCommand(f"Task and finish group {group.id} belongs to another plan.", field="group_id")
        if theme not in self.themes:
            raise InvalidCommand(
                f"{theme!r} is not a theme of the plan {self.title!r}; its themes are: {'; '.join(self.themes)}.",
                field="theme",
                themes=self.themes,
            )
        return Action(
            plan_id=self.id,
            council=self.council,
            theme=theme,
            title=title,
            lead_organisation=lead_organisation,
            owner=owner,
            starts_on=starts_on,
            due_on=due_on,
            task_and_finish_group=task_and_finish_group,
            objective_id=objective.id if objective else None,
            group_id=group.id if group else None,
        )

    def add_priority(self, *, number: int, title: str, existing: Sequence[Priority]) -> Priority:
        if any(p.number == number for p in existing):
            raise InvalidCommand(f"The plan already has a Priority {number}.", field="number")
        return Priority(plan_id=self.id, council=self.council, number=number, title=title)

    # --- governance -------------------------------------------------------------------------------

    def ensure_changeable(self, *, through_review: bool) -> None:
        """A signed-off plan changes only through a recorded review."""
        if self.status == "signed_off" and not through_review:
            raise IllegalState(
                f"The plan {self.title!r} was signed off on {self.signed_off_on}; "
                "it changes only through a recorded review naming the change.",
                current=self.status,
            )

    def sign_off(self, *, owner: Body | None, account: str, on: date) -> None:
        """Signed off by its owning board, speaking through a member who sits on it."""
        if self.status == "signed_off":
            raise IllegalState(f"The plan was already signed off on {self.signed_off_on}.", current=self.status)
        if self.owner_body_id is None or owner is None:
            raise IllegalState("The plan has no owning board to sign it off.", current=self.status)
        if owner.id != self.owner_body_id or not owner.seats(account):
            raise NotPermitted("Only a member of the plan's owning board signs it off.")
        self.status = "signed_off"
        self.signed_off_on = on

    def may_be_reviewed_by(self, bodies: Sequence[Body], account: str) -> bool:
        """A plan with an owning or reviewing body is reviewed by their members; one without, by officers as before."""
        governing = [b for b in bodies if b.id in (self.owner_body_id, self.reviewer_body_id)]
        return not governing or any(b.seats(account) for b in governing)

    def review(
        self,
        *,
        held_on: date,
        attendees: str,
        decisions: Sequence[str],
        recorded_by: str,
        body_id: str | None = None,
        changes: Sequence[str] = (),
    ) -> PlanReview:
        decisions = [d.strip() for d in decisions if d.strip()]
        return PlanReview(
            plan_id=self.id,
            council=self.council,
            held_on=held_on,
            attendees=attendees,
            decisions=decisions,
            recorded_by=recorded_by,
            body_id=body_id,
            changes=list(changes),
        )

    def add_indicator(
        self,
        *,
        title: str,
        unit: str,
        higher_is_better: bool,
        baseline: float,
        baseline_period: str,
        target: float,
        target_period: str,
        action_id: str | None = None,
    ) -> Indicator:
        return Indicator(
            plan_id=self.id,
            council=self.council,
            action_id=action_id,
            title=title,
            unit=unit,
            higher_is_better=higher_is_better,
            baseline=baseline,
            baseline_period=baseline_period,
            target=target,
            target_period=target_period,
        )
