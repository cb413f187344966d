"""A plan as a CSV file: every bad row named with its line and reason; a good file read into records."""

from __future__ import annotations

from services.actions.domain import EventBinding, InvalidCommand
from services.actions.plan_file import COLUMNS, PlanFile, read_plan

HEADER = ",".join(COLUMNS)


def row(**values: str) -> str:
    return ",".join(f'"{values.get(c, "")}"' for c in COLUMNS)


PLAN_ROW = row(
    record="plan",
    key="plan",
    title="BSC 2017",
    starts_on="2017-04-01",
    due_on="2018-03-31",
    themes="Coordination|Bringing people together",
)
ACTION = {
    "record": "action",
    "key": "A1",
    "title": "Recruit a coordinator",
    "theme": "Coordination",
    "lead_organisation": "RMBC",
    "owner": "ACE",
    "starts_on": "2017-05-01",
    "due_on": "2017-07-31",
}


def no_binding_check(binding: EventBinding) -> None:
    if binding.event_type != "grants.fund.opened.v1":
        raise InvalidCommand(f"unknown event type {binding.event_type}")


def read(*rows: str) -> PlanFile:
    return read_plan("\n".join((HEADER, *rows)) + "\n", "E08000018", check_binding=no_binding_check)


def test_a_good_file_reads_into_a_plan_with_its_priorities_objectives_actions_and_milestones():
    found = read(
        PLAN_ROW,
        row(record="priority", key="P1", number="1", title="Bringing people together"),
        row(record="objective", key="P1.O1", parent="P1", title="Roadshows"),
        row(**ACTION, parent="P1.O1"),
        row(
            record="milestone",
            key="A1.M1",
            parent="A1",
            title="Grants open",
            due_on="2017-06-30",
            event_type="grants.fund.opened.v1",
            subject="fund-1",
        ),
    )
    assert found.bad_rows == []
    assert found.plan is not None and found.plan.themes == ["Coordination", "Bringing people together"]
    [objective] = found.objectives
    [action] = found.actions
    [milestone] = found.milestones
    assert (action.objective_id, milestone.action_id, milestone.bound_subject) == (objective.id, action.id, "fund-1")


def test_every_bad_row_is_reported_with_its_line_and_reason():
    found = read(
        PLAN_ROW,
        row(record="priority", key="P1", number="one", title="x"),  # line 3
        row(**{**ACTION, "theme": "Cleaner, greener"}),  # line 4
        row(**{**ACTION, "key": "A2", "due_on": "31/07/2017"}),  # line 5
        row(record="milestone", key="A9.M1", parent="A9", title="x", due_on="2017-06-30"),  # line 6
        row(**{**ACTION, "key": "A3"}),  # line 7: fine
        row(**{**ACTION, "key": "A3"}),  # line 8: the key again
        row(record="target", key="T1", title="x"),  # line 9
        row(
            record="milestone",
            key="A3.M1",
            parent="A3",
            title="x",
            due_on="2017-06-30",
            event_type="wards.nothing.v1",
            subject="s",
        ),
    )
    assert [(bad.line, bad.reason) for bad in found.bad_rows] == [
        (3, "number 'one' is not a whole number."),
        (
            4,
            "'Cleaner, greener' is not a theme of the plan 'BSC 2017'; its themes are: Coordination; Bringing people together.",
        ),
        (5, "due_on '31/07/2017' is not a date like 2017-06-30."),
        (6, "parent 'A9' is not an action on an earlier row."),
        (8, "The key 'A3' is used twice."),
        (9, "Unknown record 'target': a row is a plan, priority, objective, action or milestone."),
        (10, "unknown event type wards.nothing.v1"),
    ]


def test_a_file_without_a_plan_row_or_a_header_is_refused():
    assert [b.reason for b in read(row(**ACTION)).bad_rows] == ["The plan row comes first."]
    headless = read_plan("a,b\n1,2\n", "E08000018", check_binding=no_binding_check)
    assert headless.bad_rows[0].line == 1 and "record" in headless.bad_rows[0].reason
