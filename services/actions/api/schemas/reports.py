"""The plan as at a date: its JSON form, and the same figures as CSV rows."""

from __future__ import annotations

import csv
import io
from datetime import date

from pydantic import BaseModel

from services.actions.domain import Direction, PlanAsAt, PlanStatus

CSV_COLUMNS = ("section", "name", "measure", "value")


class RagRow(BaseModel):
    name: str
    green: int
    amber: int
    red: int


class OverdueRow(BaseModel):
    milestone_id: str
    title: str
    due_on: date


class IndicatorRow(BaseModel):
    indicator_id: str
    title: str
    unit: str
    baseline: float
    target: float
    period: str | None
    value: float | None
    direction: Direction | None
    target_met: bool | None


class PlanReportOut(BaseModel):
    plan_id: str
    title: str
    as_at: date
    status: PlanStatus
    themes: list[RagRow]
    priorities: list[RagRow]
    milestones_complete: int
    milestones_pending: int
    overdue: list[OverdueRow]
    indicators: list[IndicatorRow]

    @classmethod
    def of(cls, report: PlanAsAt) -> PlanReportOut:
        return cls(
            plan_id=report.plan_id,
            title=report.title,
            as_at=report.as_at,
            status=report.status,
            themes=[RagRow(name=name, **counts) for name, counts in report.by_theme.items()],
            priorities=[RagRow(name=name, **counts) for name, counts in report.by_priority.items()],
            milestones_complete=report.milestones_complete,
            milestones_pending=report.milestones_pending,
            overdue=[OverdueRow(milestone_id=o.milestone_id, title=o.title, due_on=o.due_on) for o in report.overdue],
            indicators=[IndicatorRow.model_validate(i, from_attributes=True) for i in report.indicators],
        )

    def csv(self) -> str:
        """One row per figure: ``section, name, measure, value`` (blank where the JSON says null)."""
        rows: list[tuple[str, str, str, object]] = [
            ("plan", self.title, "as_at", self.as_at),
            ("plan", self.title, "status", self.status),
        ]
        for section, counts in (("theme", self.themes), ("priority", self.priorities)):
            rows += [(section, r.name, rag, getattr(r, rag)) for r in counts for rag in ("green", "amber", "red")]
        rows += [
            ("milestones", "all", "complete", self.milestones_complete),
            ("milestones", "all", "pending", self.milestones_pending),
        ]
        rows += [("overdue", o.title, "due_on", o.due_on) for o in self.overdue]
        for i in self.indicators:
            rows += [
                ("indicator", i.title, measure, getattr(i, measure))
                for measure in ("unit", "baseline", "target", "period", "value", "direction", "target_met")
            ]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows((s, n, m, "" if v is None else v) for s, n, m, v in rows)
        return out.getvalue()
