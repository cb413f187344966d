"""The plan as at a past date is rebuilt from what had been recorded by then, not from today's figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.actions.domain import Body, Member, Plan, PlanAsAt, Rag, plan_as_at
from services.actions.domain.history import NO_PRIORITY, OverdueThen

THEMES = ["Bringing people together", "Expanding opportunity and economic security"]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def the_plan() -> tuple[Any, ...]:
    board = Body(
        "E08000018", "forum", "Stronger Communities Forum", "Leader", "ToR", [Member("L", "RMBC", "partner_body", "l")]
    )
    plan = Plan(
        council="E08000018",
        title="BSC 2017",
        period_start=date(2017, 4, 1),
        period_end=date(2018, 3, 31),
        themes=THEMES,
        owner_body_id=board.id,
    )
    priority = plan.add_priority(number=1, title="Bringing communities together", existing=[])
    priority.created_at = at(date(2017, 4, 1))
    objective = priority.add_objective(title="Roadshows across the borough", existing=[])
    early = plan.add_action(
        theme=THEMES[0],
        title="Roadshows",
        lead_organisation="RMBC",
        owner="ACE",
        starts_on=date(2017, 5, 1),
        due_on=date(2017, 8, 9),  # 100 days
        objective=objective,
    )
    early.created_at = at(date(2017, 5, 1))
    late = plan.add_action(
        theme=THEMES[1],
        title="Added in August",
        lead_organisation="RMBC",
        owner="ACE",
        starts_on=date(2017, 5, 1),
        due_on=date(2017, 8, 9),
    )
    late.created_at = at(date(2017, 8, 1))
    progress = [
        early.record_progress(percent_complete=30, note="", recorded_at=at(date(2017, 5, 21)), recorded_by="x"),
        early.record_progress(percent_complete=60, note="", recorded_at=at(date(2017, 7, 1)), recorded_by="x"),
    ]
    milestone = early.add_milestone(title="First roadshow", due_on=date(2017, 6, 15))
    milestone.created_at = at(date(2017, 5, 1))
    milestone.complete(evidence="Held", at=at(date(2017, 7, 10)))
    afterthought = early.add_milestone(title="Added later", due_on=date(2017, 6, 1))
    afterthought.created_at = at(date(2017, 7, 5))
    indicator = plan.add_indicator(
        title="People who feel they belong",
        unit="%",
        higher_is_better=True,
        baseline=60,
        baseline_period="2016/17",
        target=70,
        target_period="2018/19",
    )
    indicator.created_at = at(date(2017, 4, 1))
    q1 = indicator.record(
        period="2017/18 Q1", period_end=date(2017, 6, 30), value=64, earlier=[], recorded_at=at(date(2017, 7, 20))
    )
    plan.sign_off(owner=board, account="l", on=date(2017, 7, 1))
    return plan, priority, objective, [early, late], progress, [milestone, afterthought], indicator, [q1]


def report(as_at: date) -> PlanAsAt:
    plan, priority, objective, actions, progress, milestones, indicator, values = the_plan()
    return plan_as_at(
        plan,
        priorities=[priority],
        objectives=[objective],
        actions=actions,
        progress=progress,
        milestones=milestones,
        indicators=[indicator],
        values=values,
        as_at=as_at,
    )


def test_an_action_is_judged_on_its_progress_recorded_by_then_and_later_actions_are_left_out():
    then = report(date(2017, 6, 30))  # day 60: 30% then (50% performance), though 60% is recorded now
    assert then.by_theme == {
        THEMES[0]: {"green": 0, "amber": 0, "red": 1},
        THEMES[1]: {"green": 0, "amber": 0, "red": 0},
    }
    assert then.by_priority == {"Priority 1: Bringing communities together": {"green": 0, "amber": 0, "red": 1}}
    later = report(date(2017, 8, 1))  # day 92: 60% (65%), and the August action exists, 0%
    assert later.by_theme[THEMES[0]] == {"green": 0, "amber": 0, "red": 1}
    assert later.by_theme[THEMES[1]] == {"green": 0, "amber": 0, "red": 1}
    assert later.by_priority[NO_PRIORITY] == {"green": 0, "amber": 0, "red": 1}


def test_a_milestone_is_overdue_then_if_past_due_and_not_yet_completed_and_unknown_before_it_was_added():
    then = report(date(2017, 6, 30))
    assert [o.title for o in then.overdue] == ["First roadshow"]
    assert (then.milestones_complete, then.milestones_pending) == (0, 1)
    after = report(date(2017, 7, 15))
    assert after.overdue == [OverdueThen(after.overdue[0].milestone_id, "Added later", date(2017, 6, 1))]
    assert (after.milestones_complete, after.milestones_pending) == (1, 1)


def test_an_indicator_shows_only_values_recorded_by_then_and_the_plan_its_status_then():
    then = report(date(2017, 6, 30))
    [belonging] = then.indicators
    assert (belonging.value, belonging.direction, then.status) == (None, None, "draft")
    later = report(date(2017, 7, 31))
    [belonging] = later.indicators
    assert (belonging.period, belonging.value, belonging.direction, belonging.target_met) == (
        "2017/18 Q1",
        64,
        "improving",
        False,
    )
    assert later.status == "signed_off"


def test_an_action_is_judged_against_the_due_date_it_had_then_not_one_a_later_review_set():
    plan, priority, objective, actions, progress, *_ = the_plan()
    early = actions[0]
    moved = early.reschedule(date(2017, 12, 31), review_id="review-1", at=at(date(2017, 7, 10)))

    def rag_on(day: date) -> dict[Rag, int]:
        report = plan_as_at(
            plan,
            priorities=[priority],
            objectives=[objective],
            actions=[early],
            progress=progress,
            milestones=[],
            indicators=[],
            values=[],
            as_at=day,
            reschedules=[moved],
        )
        return report.by_theme[THEMES[0]]

    # 30 June: 30% at day 60 of the 100 it then had (red), not day 60 of the 244 it has now (green).
    assert rag_on(date(2017, 6, 30)) == {"green": 0, "amber": 0, "red": 1}
    # 1 August: 60% at day 92 of 244 (159%): green under the date the review set on 10 July.
    assert rag_on(date(2017, 8, 1)) == {"green": 1, "amber": 0, "red": 0}


def test_a_priority_or_indicator_added_after_the_date_is_left_out_of_the_plan_then():
    plan, priority, objective, actions, progress, milestones, indicator, values = the_plan()
    later_priority = plan.add_priority(number=2, title="Added in September", existing=[priority])
    later_priority.created_at = at(date(2017, 9, 1))
    later_indicator = plan.add_indicator(
        title="Added in September",
        unit="%",
        higher_is_better=True,
        baseline=1,
        baseline_period="2017/18",
        target=2,
        target_period="2018/19",
    )
    later_indicator.created_at = at(date(2017, 9, 1))

    def on(day: date) -> PlanAsAt:
        return plan_as_at(
            plan,
            priorities=[priority, later_priority],
            objectives=[objective],
            actions=actions,
            progress=progress,
            milestones=milestones,
            indicators=[indicator, later_indicator],
            values=values,
            as_at=day,
        )

    then = on(date(2017, 8, 1))
    assert list(then.by_priority) == ["Priority 1: Bringing communities together", NO_PRIORITY]
    assert [i.title for i in then.indicators] == ["People who feel they belong"]
    after = on(date(2017, 9, 2))
    assert "Priority 2: Added in September" in after.by_priority
    assert [i.title for i in after.indicators] == ["People who feel they belong", "Added in September"]
