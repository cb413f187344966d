"""The plan as the 2011, 2013 and 2017 papers run it, in plain Python: priorities and objectives, boards,
task and finish groups, sign-off, RAG that moves with time, lead partners, bindings to any event."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.actions.domain import (
    Action,
    Body,
    EventBinding,
    InvalidCommand,
    Member,
    NotPermitted,
    Plan,
    RagChange,
    TaskAndFinishGroup,
)
from shared.rules import IllegalState

ROTHERHAM = "E08000018"
THEMES = ["Coordination and overarching activity"]


def a_plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "council": ROTHERHAM,
        "title": "Rotherham Community Strategy 2011-2014: annual plan 2011/12",
        "period_start": date(2011, 4, 1),
        "period_end": date(2012, 3, 31),
        "themes": THEMES,
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def the_board(*accounts: str) -> Body:
    return Body(
        council=ROTHERHAM,
        kind="board",
        name="Rotherham Partnership Board",
        chair="Chair of the Rotherham Partnership",
        terms_of_reference="Owns the Community Strategy and its annual plan.",
        members=[Member(f"Member {a}", f"Organisation {a}", "partner_body", a) for a in accounts],
    )


def an_action_of(plan: Plan, **overrides: object) -> Action:
    values: dict[str, object] = {
        "theme": THEMES[0],
        "title": "Evidence the impact of support to families with a child aged 0-3",
        "lead_organisation": "NHS Rotherham",
        "owner": "Director of Public Health",
        "starts_on": date(2017, 1, 1),
        "due_on": date(2017, 4, 11),  # 100 days: on day n, n% of the time has elapsed
    }
    values.update(overrides)
    return plan.add_action(**values)  # type: ignore[arg-type]


# --- priorities and objectives -------------------------------------------------------------------


def test_a_priority_reads_as_the_papers_number_it_and_its_number_is_unique_in_the_plan():
    plan = a_plan()
    first = plan.add_priority(number=1, title="Ensuring the best start in life for children and families", existing=[])
    assert first.label == "Priority 1: Ensuring the best start in life for children and families"
    with pytest.raises(InvalidCommand, match="already has a Priority 1") as refused:
        plan.add_priority(number=1, title="Another", existing=[first])
    assert refused.value.facts["field"] == "number"


def test_objectives_take_the_next_place_under_their_own_priority():
    plan = a_plan()
    one = plan.add_priority(number=1, title="Best start in life", existing=[])
    two = plan.add_priority(number=2, title="Support to vulnerable people", existing=[one])
    a = one.add_objective(title="Have a clear evidential base", existing=[])
    b = one.add_objective(title="Understand multi-agency delivery", existing=[a])
    c = two.add_objective(title="Tackle rising inequalities", existing=[a, b])
    assert (a.position, b.position, c.position) == (1, 2, 1)
    assert b.plan_id == plan.id and b.priority_id == one.id


def test_an_action_serves_an_objective_of_its_own_plan_only():
    plan, other = a_plan(), a_plan(title="Eastwood action plan", area="Eastwood")
    objective = plan.add_priority(number=1, title="Best start", existing=[]).add_objective(title="x", existing=[])
    assert an_action_of(plan, objective=objective).objective_id == objective.id
    with pytest.raises(InvalidCommand, match="another plan") as refused:
        an_action_of(other, objective=objective)
    assert refused.value.facts["field"] == "objective_id"


# --- boards, forums and task and finish groups ---------------------------------------------------


def test_a_body_seats_only_its_members_accounts_and_lists_nobody_twice():
    board = the_board("carole", "michael")
    assert board.seats("carole") and not board.seats("someone-else")
    twice = [Member("A Person", "VAR", "community_representative")] * 2
    with pytest.raises(InvalidCommand, match="listed twice"):
        board.set_members(twice)
    assert [m.account for m in board.members] == ["carole", "michael"]


def a_group(**overrides: object) -> TaskAndFinishGroup:
    values: dict[str, object] = {
        "plan_id": "plan-1",
        "council": ROTHERHAM,
        "name": "Alcohol harm task and finish group",
        "leader": "Director of Public Health",
        "remit": "Reduce harms caused by alcohol misuse in Rotherham",
        "starts_on": date(2011, 6, 1),
        "ends_on": date(2011, 12, 31),
    }
    values.update(overrides)
    return TaskAndFinishGroup(**values)  # type: ignore[arg-type]


def test_a_task_and_finish_group_is_time_limited_with_a_leader_and_a_remit():
    with pytest.raises(InvalidCommand, match="ends"):
        a_group(ends_on=date(2011, 5, 31))
    with pytest.raises(InvalidCommand, match="remit"):
        a_group(remit=" ")
    with pytest.raises(InvalidCommand, match="leader"):
        a_group(leader="")


def test_a_group_has_overrun_only_while_open_after_its_end_date():
    group = a_group()
    assert not group.has_overrun(date(2011, 12, 31))
    assert group.has_overrun(date(2012, 1, 1))
    group.close(date(2012, 1, 15))
    assert not group.has_overrun(date(2012, 1, 16))
    with pytest.raises(IllegalState, match="closed on 2012-01-15"):
        group.close(date(2012, 1, 20))


# --- sign-off and reviews ------------------------------------------------------------------------


def test_a_plan_is_signed_off_by_a_member_of_its_owning_board_once():
    board = the_board("carole")
    plan = a_plan(owner_body_id=board.id)
    with pytest.raises(NotPermitted):
        plan.sign_off(owner=board, account="an-officer", on=date(2013, 9, 30))
    assert plan.status == "draft"
    plan.sign_off(owner=board, account="carole", on=date(2013, 9, 30))
    assert (plan.status, plan.signed_off_on) == ("signed_off", date(2013, 9, 30))
    with pytest.raises(IllegalState, match="already signed off"):
        plan.sign_off(owner=board, account="carole", on=date(2013, 10, 1))


def test_a_plan_without_an_owning_board_cannot_be_signed_off():
    with pytest.raises(IllegalState, match="no owning board"):
        a_plan().sign_off(owner=None, account="carole", on=date(2013, 9, 30))


def test_a_signed_off_plan_changes_only_through_a_review():
    board = the_board("carole")
    plan = a_plan(owner_body_id=board.id)
    plan.ensure_changeable(through_review=False)
    plan.sign_off(owner=board, account="carole", on=date(2013, 9, 30))
    with pytest.raises(IllegalState, match="only through a recorded review") as refused:
        plan.ensure_changeable(through_review=False)
    assert refused.value.facts["current"] == "signed_off"
    plan.ensure_changeable(through_review=True)


def test_a_governed_plan_is_reviewed_by_its_bodies_members_and_an_ungoverned_one_by_anyone_allowed():
    owner, forum = the_board("carole"), the_board("waheed")
    plan = a_plan(owner_body_id=owner.id, reviewer_body_id=forum.id)
    assert plan.may_be_reviewed_by([owner, forum], "waheed")
    assert plan.may_be_reviewed_by([owner, forum], "carole")
    assert not plan.may_be_reviewed_by([owner, forum], "an-officer")
    assert a_plan().may_be_reviewed_by([], "an-officer")


# --- RAG that moves with time; lead partners -----------------------------------------------------


def test_settling_rag_reports_a_change_once_and_nothing_while_it_holds():
    action = an_action_of(a_plan())
    action.percent_complete = 50
    assert action.settle_rag(date(2017, 2, 20)) is None  # day 50: 100% performance, green as before
    assert action.settle_rag(date(2017, 3, 1)) == RagChange(previous="green", current="amber")  # day 59: 84.7%
    assert action.settle_rag(date(2017, 3, 2)) is None
    assert action.settle_rag(date(2017, 3, 14)) == RagChange(previous="amber", current="red")  # day 72: 69.4%
    assert action.last_rag == "red"


def test_a_complete_action_settles_green_whatever_the_date():
    action = an_action_of(a_plan())
    action.last_rag = "red"
    action.record_progress(
        percent_complete=100, note="Done", recorded_at=datetime(2017, 6, 1, tzinfo=UTC), recorded_by="x"
    )
    assert action.settle_rag(date(2018, 1, 1)) == RagChange(previous="red", current="green")


def test_only_the_lead_partner_or_an_officer_updates_an_action():
    action = an_action_of(a_plan(), lead_organisation="South Yorkshire Police")
    action.ensure_updatable_by(organisation="South Yorkshire Police", manages_plans=False)
    action.ensure_updatable_by(organisation="Rotherham MBC", manages_plans=True)
    with pytest.raises(NotPermitted, match="South Yorkshire Police"):
        action.ensure_updatable_by(organisation="Voluntary Action Rotherham", manages_plans=False)


# --- milestones bound to any event ---------------------------------------------------------------


def test_a_binding_matches_the_subject_or_one_data_field_never_both_or_neither():
    with pytest.raises(InvalidCommand):
        EventBinding("wards.meeting.held.v1")
    with pytest.raises(InvalidCommand):
        EventBinding("wards.meeting.held.v1", "m-1", "gss_code", "E05012996")
    with pytest.raises(InvalidCommand):
        EventBinding("wards.meeting.held.v1", data_field="gss_code")


def test_a_field_binding_completes_on_the_value_of_that_field_only():
    plan = a_plan()
    binding = EventBinding("wards.meeting.held.v1", data_field="gss_code", value="E05012996")
    milestone = an_action_of(plan).add_milestone(title="First ward meeting", due_on=date(2017, 6, 30), binding=binding)
    held = {"meeting_id": "m-1", "gss_code": "E05012996", "held_on": "2017-06-01"}
    assert milestone.is_completed_by(ROTHERHAM, "wards.meeting.held.v1", "m-1", held)
    assert not milestone.is_completed_by(ROTHERHAM, "wards.meeting.held.v1", "m-1", {**held, "gss_code": "E05012997"})
    assert not milestone.is_completed_by(ROTHERHAM, "wards.meeting.held.v1", "m-1", {"meeting_id": "m-1"})
    assert not milestone.is_completed_by("E08000035", "wards.meeting.held.v1", "m-1", held)


def test_a_milestone_was_overdue_on_a_past_date_only_if_not_completed_by_then():
    milestone = an_action_of(a_plan()).add_milestone(title="Coordinator in post", due_on=date(2017, 7, 31))
    milestone.complete(evidence="In post", at=datetime(2017, 9, 1, 9, tzinfo=UTC))
    assert not milestone.was_overdue_on(date(2017, 7, 31))
    assert milestone.was_overdue_on(date(2017, 8, 15))
    assert not milestone.was_overdue_on(date(2017, 9, 1))
