"""An action of the plan, its progress updates, and its RAG: computed from progress and time, never typed in.

Performance is % complete ÷ % of time elapsed; green ≥ 90, amber 70 to 89,
red < 70; a complete action counts as green.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Literal

from services.actions.domain.milestone import EventBinding, Milestone
from services.actions.domain.rules import InvalidCommand, new_id

Rag = Literal["green", "amber", "red"]
RAGS: tuple[Rag, ...] = ("green", "amber", "red")

GREEN_FROM = 90  # performance (%) at or above which an action is green
AMBER_FROM = 70  # performance (%) at or above which an action is amber (below green)


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


def rag_by_theme(themes: Sequence[str], actions: Iterable[Action], today: date) -> dict[str, dict[Rag, int]]:
    """Counts of actions by RAG under each theme of the plan (every theme listed, even with no actions)."""
    counts: dict[str, dict[Rag, int]] = {theme: dict.fromkeys(RAGS, 0) for theme in themes}
    for action in actions:
        counts.setdefault(action.theme, dict.fromkeys(RAGS, 0))[action.rag(today)] += 1
    return counts
