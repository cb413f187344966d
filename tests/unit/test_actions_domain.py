"""The action plan's rules, in plain Python: themes, milestone completion and bindings, RAG, indicators."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from services.actions.domain import (
    Action,
    EventBinding,
    Indicator,
    IndicatorValue,
    InvalidCommand,
    Plan,
    direction_of_travel,
    percent_of_time_elapsed,
    rag,
    rag_by_theme,
    rag_for_performance,
)
from shared.calendar import today_in_london
from shared.rules import IllegalState

ROTHERHAM = "E08000018"
LEEDS = "E08000035"
THEMES = ["Coordination and overarching activity", "Bringing people together"]
MAY_15 = datetime(2017, 5, 15, 9, 0, tzinfo=UTC)


def a_plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "council": ROTHERHAM,
        "title": "BSC 2017",
        "period_start": date(2017, 4, 1),
        "period_end": date(2018, 3, 31),
        "themes": list(THEMES),
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def an_action(plan: Plan | None = None, **overrides: object) -> Action:
    values: dict[str, object] = {
        "theme": THEMES[0],
        "title": "Recruit a BSC Coordinator",
        "lead_organisation": "Rotherham MBC",
        "owner": "Assistant Chief Executive",
        "starts_on": date(2017, 1, 1),
        "due_on": date(2017, 4, 11),  # 100 days after the start
    }
    values.update(overrides)
    return (plan or a_plan()).add_action(**values)  # type: ignore[arg-type]


# --- plans and actions ---------------------------------------------------------------------------


def test_an_action_is_refused_under_a_theme_the_plan_does_not_have():
    with pytest.raises(InvalidCommand, match="not a theme of the plan") as refused:
        an_action(theme="Cleaner, greener")
    assert refused.value.facts["themes"] == THEMES


def test_an_action_takes_the_plans_council_and_id():
    plan = a_plan()
    action = an_action(plan)
    assert (action.plan_id, action.council, action.percent_complete) == (plan.id, ROTHERHAM, 0)


def test_an_action_due_before_it_starts_is_refused():
    with pytest.raises(InvalidCommand, match="before it starts"):
        an_action(starts_on=date(2017, 7, 1), due_on=date(2017, 6, 1))


def test_a_plan_needs_distinct_non_blank_themes_and_a_period_in_order():
    with pytest.raises(InvalidCommand, match="distinct"):
        a_plan(themes=["A", "A"])
    with pytest.raises(InvalidCommand, match="at least one theme"):
        a_plan(themes=[" "])
    with pytest.raises(InvalidCommand, match="ends"):
        a_plan(period_start=date(2018, 1, 1), period_end=date(2017, 1, 1))


def test_progress_outside_0_to_100_percent_is_refused_and_leaves_the_action_unchanged():
    action = an_action()
    for bad in (-1, 101):
        with pytest.raises(InvalidCommand, match="between 0 and 100"):
            action.record_progress(percent_complete=bad, note="?", recorded_at=MAY_15, recorded_by="u")
    assert action.percent_complete == 0


def test_progress_sets_the_actions_percent_complete():
    action = an_action()
    update = action.record_progress(percent_complete=40, note="Job advertised", recorded_at=MAY_15, recorded_by="u")
    assert action.percent_complete == 40
    assert (update.action_id, update.percent_complete, update.council) == (action.id, 40, ROTHERHAM)


# --- milestones ------------------------------------------------------------------------------------


def test_a_milestone_is_completed_once_with_its_evidence():
    milestone = an_action().add_milestone(title="BSC Coordinator in post", due_on=date(2017, 7, 31))
    milestone.complete(evidence="Start date confirmed by HR", at=MAY_15)
    assert (milestone.status, milestone.evidence, milestone.completed_at) == (
        "complete",
        "Start date confirmed by HR",
        MAY_15,
    )


def test_completing_a_milestone_twice_is_refused_naming_its_current_state():
    milestone = an_action().add_milestone(title="BSC Coordinator in post", due_on=date(2017, 7, 31))
    milestone.complete(evidence="In post", at=MAY_15, by_event="evt-1")
    with pytest.raises(IllegalState, match="already complete") as refused:
        milestone.complete(evidence="Again", at=datetime(2017, 6, 1, tzinfo=UTC))
    assert refused.value.facts["current_status"] == "complete"
    assert (milestone.evidence, milestone.completed_at, milestone.completed_by_event) == ("In post", MAY_15, "evt-1")


def test_a_milestone_needs_evidence_to_be_completed():
    milestone = an_action().add_milestone(title="First meeting of the SCF", due_on=date(2017, 5, 31))
    with pytest.raises(InvalidCommand, match="evidence"):
        milestone.complete(evidence="  ", at=MAY_15)
    assert milestone.status == "pending"


def test_a_bound_milestone_is_completed_only_by_its_event_type_subject_and_council():
    binding = EventBinding("grants.fund.opened.v1", "fund-1")
    milestone = an_action().add_milestone(title="Grants open", due_on=date(2017, 6, 30), binding=binding)
    assert milestone.binding == binding
    assert milestone.is_completed_by(ROTHERHAM, "grants.fund.opened.v1", "fund-1")
    assert not milestone.is_completed_by(ROTHERHAM, "grants.fund.opened.v1", "fund-2")
    assert not milestone.is_completed_by(ROTHERHAM, "grants.fund.closed.v1", "fund-1")
    assert not milestone.is_completed_by(LEEDS, "grants.fund.opened.v1", "fund-1")
    milestone.complete(evidence="opened", at=MAY_15)
    assert not milestone.is_completed_by(ROTHERHAM, "grants.fund.opened.v1", "fund-1")


def test_an_unbound_milestone_is_completed_by_no_event():
    milestone = an_action().add_milestone(title="First meeting of the SCF", due_on=date(2017, 5, 31))
    assert milestone.binding is None
    assert not milestone.is_completed_by(ROTHERHAM, "grants.fund.opened.v1", "fund-1")


def test_a_milestone_is_overdue_only_after_its_due_date_and_only_while_pending():
    milestone = an_action().add_milestone(title="First meeting of the SCF", due_on=date(2017, 5, 31))
    assert not milestone.is_overdue(date(2017, 5, 31))
    assert milestone.is_overdue(date(2017, 6, 1))
    milestone.complete(evidence="Minutes", at=MAY_15)
    assert not milestone.is_overdue(date(2017, 6, 1))


# --- RAG -------------------------------------------------------------------------------------------

START, DUE = date(2017, 1, 1), date(2017, 4, 11)  # 100 days apart: day n is n% elapsed


def day(n: int) -> date:
    return date.fromordinal(START.toordinal() + n)


def test_time_elapsed_is_zero_before_the_start_and_capped_at_100_after_the_due_date():
    assert percent_of_time_elapsed(START, DUE, date(2016, 12, 1)) == 0
    assert percent_of_time_elapsed(START, DUE, START) == 0
    assert percent_of_time_elapsed(START, DUE, day(50)) == 50
    assert percent_of_time_elapsed(START, DUE, date(2017, 12, 31)) == 100


@pytest.mark.parametrize(
    ("performance", "expected"),
    [
        (Fraction(90), "green"),
        (Fraction(8999, 100), "amber"),
        (Fraction(70), "amber"),
        (Fraction(6999, 100), "red"),
        (Fraction(0), "red"),
        (Fraction(250), "green"),
    ],
)
def test_rag_thresholds_are_green_from_90_and_amber_from_70(performance, expected):
    assert rag_for_performance(performance) == expected


def test_exactly_90_percent_performance_is_green_without_float_rounding():
    # 63% done with 70% of the time gone is exactly 90%: a float would make it 89.999...
    assert rag(63, START, DUE, day(70)) == "green"
    assert rag(62, START, DUE, day(70)) == "amber"


def test_exactly_70_percent_performance_is_amber_and_just_below_is_red():
    assert rag(35, START, DUE, day(50)) == "amber"
    assert rag(34, START, DUE, day(50)) == "red"


def test_an_action_with_no_time_elapsed_is_green_whatever_its_progress():
    assert rag(0, START, DUE, START) == "green"
    assert rag(0, START, DUE, date(2016, 6, 1)) == "green"


def test_a_complete_action_is_green_even_when_late():
    assert rag(100, START, DUE, date(2018, 1, 1)) == "green"


def test_an_unfinished_action_past_its_due_date_is_judged_on_its_percent_complete():
    assert rag(95, START, DUE, date(2018, 1, 1)) == "green"
    assert rag(80, START, DUE, date(2018, 1, 1)) == "amber"
    assert rag(60, START, DUE, date(2018, 1, 1)) == "red"


def test_an_action_starting_and_due_on_the_same_day_is_green_until_then_and_judged_on_progress_after():
    assert rag(0, START, START, START) == "green"
    assert rag(0, START, START, day(1)) == "red"


def test_plan_summary_counts_actions_by_rag_under_every_theme():
    plan = a_plan()
    on_track = an_action(plan)
    on_track.percent_complete = 50
    behind = an_action(plan)
    behind.percent_complete = 10
    complete = an_action(plan, theme=THEMES[1])
    complete.percent_complete = 100
    counts = rag_by_theme(plan.themes, [on_track, behind, complete], day(50))
    assert counts == {
        THEMES[0]: {"green": 1, "amber": 0, "red": 1},
        THEMES[1]: {"green": 1, "amber": 0, "red": 0},
    }
    assert rag_by_theme(plan.themes, [], day(50))[THEMES[1]] == {"green": 0, "amber": 0, "red": 0}


def test_today_is_the_london_date_not_the_utc_one():
    # 23:30 UTC on 30 June 2017 is already 1 July in London (BST).
    assert today_in_london(datetime(2017, 6, 30, 23, 30, tzinfo=UTC)) == date(2017, 7, 1)


# --- forum review ----------------------------------------------------------------------------------


def test_a_review_keeps_the_forums_decisions_without_blanks():
    plan = a_plan()
    review = plan.review(
        held_on=date(2017, 7, 20),
        attendees="SCF members",
        decisions=["Adopt the plan", " ", "Add a roadshow"],
        recorded_by="u",
    )
    assert (review.plan_id, review.council, review.decisions) == (
        plan.id,
        ROTHERHAM,
        ["Adopt the plan", "Add a roadshow"],
    )


# --- indicators ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "latest", "higher_is_better", "expected"),
    [
        (60, 65, True, "improving"),
        (60, 55, True, "worsening"),
        (60, 55, False, "improving"),
        (60, 65, False, "worsening"),
        (60, 60, True, "stable"),
        (60, 60, False, "stable"),
    ],
)
def test_direction_of_travel_depends_on_whether_higher_is_better(previous, latest, higher_is_better, expected):
    assert direction_of_travel(previous, latest, higher_is_better=higher_is_better) == expected


def an_indicator(**overrides: object) -> Indicator:
    values: dict[str, object] = {
        "title": "People who feel they belong to their neighbourhood",
        "unit": "%",
        "higher_is_better": True,
        "baseline": 60.0,
        "baseline_period": "2016/17",
        "target": 70.0,
        "target_period": "2019/20",
    }
    values.update(overrides)
    return a_plan().add_indicator(**values)  # type: ignore[arg-type]


def test_an_indicators_first_value_is_compared_with_its_baseline_and_later_ones_with_the_value_before():
    indicator = an_indicator()
    assert indicator.direction([]) is None
    q1 = indicator.record(period="2017/18 Q1", period_end=date(2017, 6, 30), value=58.0, earlier=[])
    assert indicator.direction([q1]) == "worsening"
    q2 = indicator.record(period="2017/18 Q2", period_end=date(2017, 9, 30), value=63.0, earlier=[q1])
    assert indicator.direction([q2, q1]) == "improving"


def test_an_indicator_period_is_recorded_once():
    indicator = an_indicator()
    q1 = IndicatorValue(indicator_id=indicator.id, period="2017/18 Q1", period_end=date(2017, 6, 30), value=58.0)
    with pytest.raises(IllegalState, match="already recorded"):
        indicator.record(period="2017/18 Q1", period_end=date(2017, 6, 30), value=61.0, earlier=[q1])


def test_an_indicator_meets_its_target_according_to_its_polarity():
    belonging = an_indicator()
    crime = an_indicator(
        title="Reported hate incidents", unit="count", higher_is_better=False, baseline=120, target=100
    )
    assert belonging.target_met([]) is None
    assert belonging.target_met([IndicatorValue(belonging.id, "Q1", date(2017, 6, 30), 70.0)]) is True
    assert crime.target_met([IndicatorValue(crime.id, "Q1", date(2017, 6, 30), 101.0)]) is False
    assert crime.target_met([IndicatorValue(crime.id, "Q1", date(2017, 6, 30), 100.0)]) is True
