"""Indicators (Leeds "priority indicators"): a baseline, a target and periodic values with a direction of travel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from services.actions.domain.rules import new_id
from shared.rules import IllegalState

Direction = Literal["improving", "worsening", "stable"]


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
    recorded_at: datetime | None = None  # when it was recorded: a report as at an earlier date leaves it out
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
    created_at: datetime | None = None  # set by the database when it is stored

    def record(
        self,
        *,
        period: str,
        period_end: date,
        value: float,
        earlier: Iterable[IndicatorValue],
        recorded_at: datetime | None = None,
    ) -> IndicatorValue:
        if any(v.period == period for v in earlier):
            raise IllegalState(
                f"A value for {period} is already recorded for indicator {self.title!r}.",
                current="recorded",
                period=period,
            )
        return IndicatorValue(
            indicator_id=self.id, period=period, period_end=period_end, value=value, recorded_at=recorded_at
        )

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
