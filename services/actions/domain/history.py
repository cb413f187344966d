"""The plan as it stood on a past date, rebuilt from what had been recorded by then.

Not today's figures applied to an old date: a priority, an action or an indicator
counts only if it had been added by then, at the % complete of its last progress update by then and the
due date it had then (a later review may have moved it); a
milestone is overdue then if it was past due and not yet completed; an
indicator shows the latest value recorded by then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.actions.domain.action import RAGS, Action, Progress, Rag, Reschedule, rag
from services.actions.domain.indicator import Direction, Indicator, IndicatorValue
from services.actions.domain.milestone import Milestone
from services.actions.domain.plan import Plan, PlanStatus
from services.actions.domain.priority import Objective, Priority
from shared.calendar import today_in_london

NO_PRIORITY = "No priority"


@dataclass(frozen=True)
class IndicatorThen:
    indicator_id: str
    title: str
    unit: str
    baseline: float
    target: float
    period: str | None  # of the latest value recorded by then
    value: float | None
    direction: Direction | None
    target_met: bool | None


@dataclass(frozen=True)
class OverdueThen:
    milestone_id: str
    title: str
    due_on: date


@dataclass(frozen=True)
class PlanAsAt:
    plan_id: str
    title: str
    as_at: date
    status: PlanStatus
    by_theme: dict[str, dict[Rag, int]]
    by_priority: dict[str, dict[Rag, int]]
    milestones_complete: int
    milestones_pending: int
    overdue: list[OverdueThen]
    indicators: list[IndicatorThen]


def by_then(at: datetime | None, day: date) -> bool:
    return at is not None and today_in_london(at) <= day


def percent_complete_then(progress: Iterable[Progress], as_at: date) -> int:
    recorded = [p for p in progress if by_then(p.recorded_at, as_at)]
    return max(recorded, key=lambda p: p.recorded_at).percent_complete if recorded else 0


def due_on_then(action: Action, reschedules: Iterable[Reschedule], as_at: date) -> date:
    """The due date the action had on ``as_at``: before the first move recorded after it, if any."""
    later = [r for r in reschedules if r.action_id == action.id and not by_then(r.recorded_at, as_at)]
    return min(later, key=lambda r: r.recorded_at).due_on_before if later else action.due_on


def plan_as_at(
    plan: Plan,
    *,
    priorities: Sequence[Priority],
    objectives: Sequence[Objective],
    actions: Sequence[Action],
    progress: Sequence[Progress],
    milestones: Sequence[Milestone],
    indicators: Sequence[Indicator],
    values: Sequence[IndicatorValue],
    as_at: date,
    reschedules: Sequence[Reschedule] = (),
) -> PlanAsAt:
    labels = {p.id: p.label for p in priorities if by_then(p.created_at, as_at)}
    priority_of_objective = {o.id: labels[o.priority_id] for o in objectives if o.priority_id in labels}
    by_theme: dict[str, dict[Rag, int]] = {theme: dict.fromkeys(RAGS, 0) for theme in plan.themes}
    by_priority: dict[str, dict[Rag, int]] = {label: dict.fromkeys(RAGS, 0) for label in labels.values()}
    then = [a for a in actions if by_then(a.created_at, as_at)]
    for action in then:
        percent = percent_complete_then((p for p in progress if p.action_id == action.id), as_at)
        status = rag(percent, action.starts_on, due_on_then(action, reschedules, as_at), as_at)
        by_theme.setdefault(action.theme, dict.fromkeys(RAGS, 0))[status] += 1
        label = priority_of_objective.get(action.objective_id or "", NO_PRIORITY)
        by_priority.setdefault(label, dict.fromkeys(RAGS, 0))[status] += 1
    known = [m for m in milestones if by_then(m.created_at, as_at)]
    complete = [m for m in known if by_then(m.completed_at, as_at)]
    overdue = sorted(
        (OverdueThen(m.id, m.title, m.due_on) for m in known if m.was_overdue_on(as_at)),
        key=lambda o: (o.due_on, o.title, o.milestone_id),
    )
    signed = plan.signed_off_on is not None and plan.signed_off_on <= as_at
    return PlanAsAt(
        plan_id=plan.id,
        title=plan.title,
        as_at=as_at,
        status="signed_off" if signed else "draft",
        by_theme=by_theme,
        by_priority=by_priority,
        milestones_complete=len(complete),
        milestones_pending=len(known) - len(complete),
        overdue=overdue,
        indicators=[indicator_then(i, values, as_at) for i in indicators if by_then(i.created_at, as_at)],
    )


def indicator_then(indicator: Indicator, values: Sequence[IndicatorValue], as_at: date) -> IndicatorThen:
    known = sorted(
        (
            v
            for v in values
            if v.indicator_id == indicator.id and by_then(v.recorded_at, as_at) and v.period_end <= as_at
        ),
        key=lambda v: v.period_end,
    )
    latest = known[-1] if known else None
    return IndicatorThen(
        indicator_id=indicator.id,
        title=indicator.title,
        unit=indicator.unit,
        baseline=indicator.baseline,
        target=indicator.target,
        period=latest.period if latest else None,
        value=latest.value if latest else None,
        direction=indicator.direction(known),
        target_met=indicator.target_met(known),
    )
