"""A plan of the council: its period and themes; it takes actions, forum reviews and indicators."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from services.actions.domain.action import Action
from services.actions.domain.indicator import Indicator
from services.actions.domain.review import PlanReview
from services.actions.domain.rules import InvalidCommand, new_id


@dataclass
class Plan:
    council: str
    title: str
    period_start: date
    period_end: date
    themes: list[str]
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise InvalidCommand(f"The plan ends ({self.period_end}) before it starts ({self.period_start}).")
        themes = [t.strip() for t in self.themes]
        if not themes or any(not t for t in themes):
            raise InvalidCommand("A plan needs at least one theme, and no theme may be blank.")
        if len(set(themes)) != len(themes):
            raise InvalidCommand("A plan's themes must be distinct.")
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
    ) -> Action:
        if theme not in self.themes:
            raise InvalidCommand(
                f"{theme!r} is not a theme of the plan {self.title!r}; its themes are: {'; '.join(self.themes)}.",
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
        )

    def review(self, *, held_on: date, attendees: str, decisions: Sequence[str], recorded_by: str) -> PlanReview:
        decisions = [d.strip() for d in decisions if d.strip()]
        return PlanReview(
            plan_id=self.id,
            council=self.council,
            held_on=held_on,
            attendees=attendees,
            decisions=decisions,
            recorded_by=recorded_by,
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
