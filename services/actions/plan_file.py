"""A plan as a CSV file: written from its records, and read back into new records, all or nothing.

One row per record, parents before children, each with a ``key`` the rows below
refer to: the ``plan`` (period in ``starts_on``/``due_on``, themes joined by
``|``), its ``priority`` rows, each ``objective`` under a priority, each
``action`` under an objective (or none), each ``milestone`` under an action
(perhaps bound to an event). Reading checks every row and reports each bad one
with its line and reason; a file with any bad row yields nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from services.actions.domain import (
    Action,
    EventBinding,
    Milestone,
    Objective,
    Plan,
    Priority,
)
from shared.rules import RuleBroken

COLUMNS = (
    "record",
    "key",
    "parent",
    "number",
    "title",
    "theme",
    "lead_organisation",
    "owner",
    "starts_on",
    "due_on",
    "themes",
    "vision",
    "area",
    "event_type",
    "subject",
    "field",
    "value",
)
THEME_SEPARATOR = "|"
T = TypeVar("T")
MAX_ROWS = 5000


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class PlanFile:
    """What a file holds, as records not yet stored, or the rows that stop it being imported."""

    plan: Plan | None = None
    priorities: list[Priority] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)


# --- writing ---------------------------------------------------------------------------------------


def write_plan(
    plan: Plan,
    priorities: Sequence[Priority],
    objectives: Sequence[Objective],
    actions: Sequence[Action],
    milestones: Sequence[Milestone],
) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(
        {
            "record": "plan",
            "key": "plan",
            "title": plan.title,
            "starts_on": plan.period_start,
            "due_on": plan.period_end,
            "themes": THEME_SEPARATOR.join(plan.themes),
            "vision": plan.vision or "",
            "area": plan.area or "",
        }
    )
    keys: dict[str, str] = {}
    for priority in sorted(priorities, key=lambda p: p.number):
        keys[priority.id] = f"P{priority.number}"
        writer.writerow(
            {"record": "priority", "key": keys[priority.id], "number": priority.number, "title": priority.title}
        )
        for objective in sorted((o for o in objectives if o.priority_id == priority.id), key=lambda o: o.position):
            keys[objective.id] = f"{keys[priority.id]}.O{objective.position}"
            writer.writerow(
                {
                    "record": "objective",
                    "key": keys[objective.id],
                    "parent": keys[priority.id],
                    "title": objective.title,
                }
            )
    ordered = sorted(actions, key=lambda a: (a.starts_on, a.due_on, a.theme, a.title, a.lead_organisation, a.owner))
    for n, action in enumerate(ordered, start=1):
        keys[action.id] = f"A{n}"
        writer.writerow(
            {
                "record": "action",
                "key": keys[action.id],
                "parent": keys.get(action.objective_id or "", ""),
                "title": action.title,
                "theme": action.theme,
                "lead_organisation": action.lead_organisation,
                "owner": action.owner,
                "starts_on": action.starts_on,
                "due_on": action.due_on,
            }
        )
        mine = sorted((m for m in milestones if m.action_id == action.id), key=lambda m: (m.due_on, m.title))
        for m_n, milestone in enumerate(mine, start=1):
            writer.writerow(
                {
                    "record": "milestone",
                    "key": f"{keys[action.id]}.M{m_n}",
                    "parent": keys[action.id],
                    "title": milestone.title,
                    "due_on": milestone.due_on,
                    "event_type": milestone.bound_event_type or "",
                    "subject": milestone.bound_subject or "",
                    "field": milestone.bound_field or "",
                    "value": milestone.bound_value or "",
                }
            )
    return out.getvalue()


# --- reading ---------------------------------------------------------------------------------------


class RowError(Exception):
    """A row that cannot be read, and why."""


def read_plan(text: str, council: str, *, check_binding: Callable[[EventBinding], None]) -> PlanFile:
    """Read every row; the records it describes, or every bad row with its line and reason."""
    found = PlanFile()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("record", "key", "title") if c not in (reader.fieldnames or [])]
    if missing:
        found.bad_rows.append(BadRow(1, f"The header lacks the column(s): {', '.join(missing)}."))
        return found
    keys: dict[str, Any] = {}
    for row in reader:
        line = reader.line_num
        if len(found.priorities) + len(found.actions) + len(found.milestones) + len(found.objectives) > MAX_ROWS:
            found.bad_rows.append(BadRow(line, f"A plan file holds at most {MAX_ROWS} rows."))
            break
        key = (row.get("key") or "").strip()
        if key in keys:
            found.bad_rows.append(BadRow(line, f"The key {key!r} is used twice."))
            continue
        try:
            keys[key] = read_row(
                found, keys, {k: (v or "").strip() for k, v in row.items() if k}, council, check_binding
            )
        except (RowError, RuleBroken) as refused:
            found.bad_rows.append(BadRow(line, str(refused)))
    if found.plan is None and not found.bad_rows:
        found.bad_rows.append(BadRow(1, "The file has no plan row."))
    return found


def read_row(
    found: PlanFile,
    keys: dict[str, Any],
    row: dict[str, str],
    council: str,
    check_binding: Callable[[EventBinding], None],
) -> object:
    kind = row.get("record", "")
    if not row.get("key"):
        raise RowError("Every row needs a key.")
    if kind == "plan":
        if found.plan is not None:
            raise RowError("A file holds one plan; this is a second plan row.")
        themes = [t.strip() for t in row.get("themes", "").split(THEME_SEPARATOR)]
        found.plan = Plan(
            council=council,
            title=required(row, "title"),
            period_start=a_date(row, "starts_on"),
            period_end=a_date(row, "due_on"),
            themes=themes,
            vision=row.get("vision") or None,
            area=row.get("area") or None,
        )
        return found.plan
    plan = found.plan
    if plan is None:
        raise RowError("The plan row comes first.")
    if kind == "priority":
        number = a_number(row, "number")
        priority = plan.add_priority(number=number, title=required(row, "title"), existing=found.priorities)
        found.priorities.append(priority)
        return priority
    if kind == "objective":
        parent = parent_of(keys, row, Priority, "a priority")
        objective = parent.add_objective(title=required(row, "title"), existing=found.objectives)
        found.objectives.append(objective)
        return objective
    if kind == "action":
        serves = parent_of(keys, row, Objective, "an objective") if row.get("parent") else None
        action = plan.add_action(
            theme=required(row, "theme"),
            title=required(row, "title"),
            lead_organisation=required(row, "lead_organisation"),
            owner=required(row, "owner"),
            starts_on=a_date(row, "starts_on"),
            due_on=a_date(row, "due_on"),
            objective=serves,
        )
        found.actions.append(action)
        return action
    if kind == "milestone":
        action = parent_of(keys, row, Action, "an action")
        binding = None
        if row.get("event_type"):
            binding = EventBinding(
                row["event_type"], row.get("subject") or None, row.get("field") or None, row.get("value") or None
            )
            check_binding(binding)
        milestone = action.add_milestone(title=required(row, "title"), due_on=a_date(row, "due_on"), binding=binding)
        found.milestones.append(milestone)
        return milestone
    raise RowError(f"Unknown record {kind!r}: a row is a plan, priority, objective, action or milestone.")


def required(row: dict[str, str], column: str) -> str:
    if not row.get(column):
        raise RowError(f"{column} is empty.")
    return row[column]


def a_date(row: dict[str, str], column: str) -> date:
    try:
        return date.fromisoformat(required(row, column))
    except ValueError:
        raise RowError(f"{column} {row[column]!r} is not a date like 2017-06-30.") from None


def a_number(row: dict[str, str], column: str) -> int:
    value = required(row, column)
    if not value.isdigit():
        raise RowError(f"{column} {value!r} is not a whole number.")
    return int(value)


def parent_of(keys: dict[str, Any], row: dict[str, str], kind: type[T], name: str) -> T:
    parent = keys.get(row.get("parent", ""))
    if not isinstance(parent, kind):
        raise RowError(f"parent {row.get('parent', '')!r} is not {name} on an earlier row.")
    return parent
