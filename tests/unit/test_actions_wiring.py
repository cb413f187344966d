"""How the actions service is put together: what its consumer binds, what it schedules, what it seeds."""

from __future__ import annotations

from datetime import date

from services.actions.app import definition
from services.actions.bsc_2017 import ACTIONS, GRANTS_OPEN, THEMES
from services.actions.handlers import BINDABLE_EVENT_TYPES
from shared.events import CATALOGUE, model_for


def test_the_milestone_bindings_consumer_binds_exactly_the_event_types_a_milestone_may_be_bound_to():
    [consumer] = definition.consumers
    assert consumer.name == "actions.milestone-bindings"
    assert consumer.bindings == BINDABLE_EVENT_TYPES
    assert "grants.fund.opened.v1" in consumer.bindings


def test_every_bindable_event_type_is_in_the_catalogue():
    for event_type in BINDABLE_EVENT_TYPES:
        assert model_for(event_type).event_type == event_type


def test_overdue_milestones_overrun_groups_and_rag_moved_by_time_are_raised_by_clocks():
    assert [s.name for s in definition.schedules] == ["milestone-overdue", "group-overran", "rag-with-time"]


def test_the_2017_seed_follows_the_papers_themes_and_timetable():
    assert THEMES[0] == "Coordination and overarching activity"
    assert len(THEMES) == 5
    due = sorted((d, title) for action in ACTIONS for title, d in action.milestones)
    assert [d.strftime("%B %Y") for d, _ in due] == ["May 2017", "May 2017", "June 2017", "July 2017", "July 2017"]
    assert (date(2017, 6, 30), GRANTS_OPEN) in due
    for action in ACTIONS:
        assert all(action.starts_on <= d <= action.due_on for _, d in action.milestones)


def test_every_catalogue_event_but_the_notifications_plumbing_can_complete_a_milestone():
    expected = {t for t in CATALOGUE if not t.startswith(("notifications.delivery.", "notifications.email."))}
    assert set(BINDABLE_EVENT_TYPES) == expected
    assert {"wards.meeting.held.v1", "grants.application.submitted.v1", "actions.plan.signed_off.v1"} <= expected
    assert "notifications.delivery.succeeded.v1" not in BINDABLE_EVENT_TYPES
