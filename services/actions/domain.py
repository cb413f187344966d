"""The partnership action plan, in the council's words; plain Python, no framework.

A Plan has themes; each Action sits under one of them, has a lead partner
organisation, an owner and start and due dates; Milestones mark the way and may
be bound to a domain event that completes them. RAG is computed from progress
and elapsed time, never typed in. Indicators (Leeds "priority indicators") carry
a baseline, a target and periodic values with a direction of travel.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Literal

from shared.rules import RuleBroken

Rag = Literal["green", "amber", "red"]
RAGS: tuple[Rag, ...] = ("green", "amber", "red")
MilestoneStatus = Literal["pending", "complete"]
Direction = Literal["improving", "worsening", "stable"]

GREEN_FROM = 90  # performance (%) at or above which an action is green
AMBER_FROM = 70  # performance (%) at or above which an action is amber (below green)


def new_id() -> str:
    return str(uuid.uuid4())


class InvalidCommand(RuleBroken):
    """The command itself is malformed for this plan (wrong theme, dates out of order, % out of range)."""

    title = "Invalid command"


class IllegalTransition(RuleBroken):
    """The record is not in a state that allows this command."""

    status = 409

    title = "Illegal state transition"


# --- RAG -----------------------------------------------------------------------------------------


def percent_of_time_elapsed(starts_on: date, due_on: date, today: date) -> Fraction:
    """How far through its period an action is, 0 to 100, exact (no float rounding at the boundaries)."""
    if today <= starts_on:
        return Fraction(0)
    if today >= due_on:
        return Fraction(100)
    return Fraction((today - starts_on).days * 100, (due_on - starts_on).days)


def performance(percent_complete: int, starts_on: date, due_on: date, today: date) -> Fraction | None:
    """% complete ÷ % of time elapsed, as a percentage; None before any time has elapsed."""
    elapsed = percent_of_time_elapsed(starts_on, due_on, today)
    if elapsed == 0:
        return None
    return Fraction(percent_complete) / elapsed * 100


def rag_for_performance(value: Fraction | float) -> Rag:
    if value >= GREEN_FROM:
        return "green"
    if value >= AMBER_FROM:
        return "amber"
    return "red"


def rag(percent_complete: int, starts_on: date, due_on: date, today: date) -> Rag:
    """Green ≥ 90, amber 70 to 89, red < 70; complete, or not yet started, counts as green."""
    if percent_complete >= 100:
        return "green"
    value = performance(percent_complete, starts_on, due_on, today)
    if value is None:
        return "green"
    return rag_for_performance(value)


# --- Plan, Action, Milestone ---------------------------------------------------------------------


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


@dataclass
class Action:
    plan_id: str
    council: str
    theme: str
    title: str
    lead_organisation: str
    owner: str
    starts_on: date
    due_on: date
    task_and_finish_group: str | None = None
    percent_complete: int = 0
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.due_on < self.starts_on:
            raise InvalidCommand(f"The action is due ({self.due_on}) before it starts ({self.starts_on}).")

    def record_progress(self, *, percent_complete: int, note: str, recorded_at: datetime, recorded_by: str) -> Progress:
        if not 0 <= percent_complete <= 100:
            raise InvalidCommand(f"% complete must be between 0 and 100, not {percent_complete}.")
        self.percent_complete = percent_complete
        return Progress(
            action_id=self.id,
            council=self.council,
            percent_complete=percent_complete,
            note=note,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
        )

    def rag(self, today: date) -> Rag:
        return rag(self.percent_complete, self.starts_on, self.due_on, today)

    def performance(self, today: date) -> Fraction | None:
        return performance(self.percent_complete, self.starts_on, self.due_on, today)

    def add_milestone(self, *, title: str, due_on: date, binding: EventBinding | None = None) -> Milestone:
        return Milestone(
            action_id=self.id,
            plan_id=self.plan_id,
            council=self.council,
            title=title,
            due_on=due_on,
            bound_event_type=binding.event_type if binding else None,
            bound_subject=binding.subject if binding else None,
        )


@dataclass
class Progress:
    """One progress update on an action: % complete and what happened."""

    action_id: str
    council: str
    percent_complete: int
    note: str
    recorded_at: datetime
    recorded_by: str
    id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class EventBinding:
    """A milestone completes itself when an event of this type arrives for this subject (the aggregate id).

    Subject, not a data field: every event's CloudEvents ``subject`` is the id of
    the aggregate it is about (for ``grants.fund.*`` the fund id), so "this event
    about this thing" is all a user has to say.
    """

    event_type: str
    subject: str


@dataclass
class Milestone:
    action_id: str
    plan_id: str
    council: str
    title: str
    due_on: date
    status: MilestoneStatus = "pending"
    evidence: str | None = None
    completed_at: datetime | None = None
    completed_by_event: str | None = None
    bound_event_type: str | None = None
    bound_subject: str | None = None
    id: str = field(default_factory=new_id)

    @property
    def binding(self) -> EventBinding | None:
        if self.bound_event_type is None or self.bound_subject is None:
            return None
        return EventBinding(self.bound_event_type, self.bound_subject)

    def complete(self, *, evidence: str, at: datetime, by_event: str | None = None) -> None:
        if self.status == "complete":
            how = f" by event {self.completed_by_event}" if self.completed_by_event else ""
            raise IllegalTransition(
                f"Milestone {self.id} is already complete (completed {self.completed_at:%Y-%m-%d %H:%M}{how}); "
                "it cannot be completed again.",
                current_status=self.status,
            )
        if not evidence.strip():
            raise InvalidCommand("Completing a milestone needs evidence.")
        self.status = "complete"
        self.evidence = evidence.strip()
        self.completed_at = at
        self.completed_by_event = by_event

    def is_completed_by(self, council: str, event_type: str, subject: str) -> bool:
        return (
            self.status == "pending" and self.council == council and self.binding == EventBinding(event_type, subject)
        )

    def is_overdue(self, today: date) -> bool:
        return self.status == "pending" and self.due_on < today


# --- Forum review ---------------------------------------------------------------------------------


@dataclass
class PlanReview:
    """The Stronger Communities Forum's review of the plan: when, who was there, what it decided."""

    plan_id: str
    council: str
    held_on: date
    attendees: str
    decisions: list[str]
    recorded_by: str
    id: str = field(default_factory=new_id)


# --- Indicators -----------------------------------------------------------------------------------


def direction_of_travel(previous: float, latest: float, *, higher_is_better: bool) -> Direction:
    if latest == previous:
        return "stable"
    went_up = latest > previous
    return "improving" if went_up == higher_is_better else "worsening"


@dataclass
class IndicatorValue:
    indicator_id: str
    period: str  # as the council reports it, e.g. "2017/18 Q1"
    period_end: date
    value: float
    id: str = field(default_factory=new_id)


@dataclass
class Indicator:
    plan_id: str
    council: str
    title: str
    unit: str
    higher_is_better: bool
    baseline: float
    baseline_period: str
    target: float
    target_period: str
    action_id: str | None = None
    id: str = field(default_factory=new_id)

    def record(
        self, *, period: str, period_end: date, value: float, earlier: Iterable[IndicatorValue]
    ) -> IndicatorValue:
        if any(v.period == period for v in earlier):
            raise IllegalTransition(f"A value for {period} is already recorded for indicator {self.title!r}.")
        return IndicatorValue(indicator_id=self.id, period=period, period_end=period_end, value=value)

    def direction(self, values: Sequence[IndicatorValue]) -> Direction | None:
        """The latest value against the one before it (the baseline when there is only one)."""
        ordered = sorted(values, key=lambda v: v.period_end)
        if not ordered:
            return None
        previous = ordered[-2].value if len(ordered) > 1 else self.baseline
        return direction_of_travel(previous, ordered[-1].value, higher_is_better=self.higher_is_better)

    def target_met(self, values: Sequence[IndicatorValue]) -> bool | None:
        if not values:
            return None
        latest = max(values, key=lambda v: v.period_end).value
        return latest >= self.target if self.higher_is_better else latest <= self.target


# --- Plan summary ---------------------------------------------------------------------------------


def rag_by_theme(themes: Sequence[str], actions: Iterable[Action], today: date) -> dict[str, dict[Rag, int]]:
    """Counts of actions by RAG under each theme of the plan (every theme listed, even with no actions)."""
    counts: dict[str, dict[Rag, int]] = {theme: dict.fromkeys(RAGS, 0) for theme in themes}
    for action in actions:
        counts.setdefault(action.theme, dict.fromkeys(RAGS, 0))[action.rag(today)] += 1
    return counts
