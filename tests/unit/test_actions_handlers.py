"""The action plan's commands, run against a unit of work in memory (tests/fakes.py).

Each proves the handler's own part: the council it loads records in, the rules it checks before
anything is staged, what it emits and audits, and that it commits once or not at all. The tables,
queries and consumers are proved against PostgreSQL in tests/integration/test_actions_api.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.actions import handlers
from services.actions.domain import Action, EventBinding, InvalidCommand, Milestone, Plan
from shared.rules import NotFound
from tests.fakes import FakeUnitOfWork

ROTHERHAM, LEEDS = "E08000018", "E08000035"
THEMES = ["Coordination and overarching activity", "Bringing people together"]


def plan_2017(council: str = ROTHERHAM) -> Plan:
    return Plan(council, "BSC action plan 2017", date(2017, 4, 1), date(2018, 3, 31), list(THEMES))


def an_action(plan: Plan) -> Action:
    return plan.add_action(
        theme=THEMES[1],
        title="Community iftars",
        lead_organisation="Rotherham MBC",
        owner="Neighbourhoods",
        starts_on=date(2017, 5, 1),
        due_on=date(2017, 9, 30),
    )


async def add_action(uow: FakeUnitOfWork, plan: Plan, *, council: str = ROTHERHAM, theme: str = THEMES[0]) -> Action:
    return await handlers.add_action(
        uow,
        plan_id=plan.id,
        council=council,
        theme=theme,
        title="Recruit a BSC coordinator",
        lead_organisation="Rotherham MBC",
        owner="Assistant Chief Executive",
        starts_on=date(2017, 5, 1),
        due_on=date(2017, 7, 31),
    )


async def test_creating_a_plan_stages_it_and_publishes_its_period_and_themes():
    uow = FakeUnitOfWork("actions")

    plan = await handlers.create_plan(
        uow,
        council=ROTHERHAM,
        title="BSC 2017",
        period_start=date(2017, 4, 1),
        period_end=date(2018, 3, 31),
        themes=THEMES,
    )

    assert uow.commits == 1
    assert uow.fake_session.records[(Plan, (plan.id,))] is plan
    [event] = uow.events
    assert (event.type, event.subject, event.council) == ("actions.plan.created.v1", plan.id, ROTHERHAM)
    assert event.data["themes"] == THEMES
    assert [(a.action, a.subject) for a in uow.audited] == [("actions.plan.create", plan.id)]


async def test_an_action_is_added_under_one_of_the_plans_themes():
    plan = plan_2017()
    uow = FakeUnitOfWork("actions", plan)

    action = await add_action(uow, plan)

    assert (action.plan_id, action.council) == (plan.id, ROTHERHAM)
    assert uow.event_types == ["actions.action.created.v1"]
    assert uow.events[0].data["theme"] == THEMES[0]

    with pytest.raises(InvalidCommand, match="not a theme of the plan"):
        await add_action(uow, plan, theme="Not a theme")
    assert (uow.commits, uow.event_types) == (1, ["actions.action.created.v1"])


async def test_another_councils_plan_is_as_unknown_as_a_missing_one():
    plan = plan_2017(LEEDS)
    uow = FakeUnitOfWork("actions", plan)

    with pytest.raises(NotFound):
        await add_action(uow, plan, council=ROTHERHAM)

    assert (uow.commits, uow.events, uow.staged) == (0, [], [])


async def test_a_milestone_binds_only_to_an_event_the_consumer_listens_for():
    action = an_action(plan_2017())
    uow = FakeUnitOfWork("actions", action)

    milestone = await handlers.add_milestone(
        uow,
        action_id=action.id,
        council=ROTHERHAM,
        title="BSC grants programme open to applications",
        due_on=date(2017, 6, 30),
        binding=EventBinding("grants.fund.opened.v1", "fund-bsc"),
    )
    assert uow.fake_session.records[(Milestone, (milestone.id,))] is milestone
    assert uow.event_types == ["actions.milestone.created.v1"]
    assert (uow.events[0].data["bound_event_type"], uow.events[0].data["bound_subject"]) == (
        "grants.fund.opened.v1",
        "fund-bsc",
    )

    with pytest.raises(InvalidCommand, match=r"cannot be bound to 'wards\.meeting\.held\.v1'"):
        await handlers.add_milestone(
            uow,
            action_id=action.id,
            council=ROTHERHAM,
            title="First ward meeting",
            due_on=date(2017, 6, 30),
            binding=EventBinding("wards.meeting.held.v1", "meeting-1"),
        )
    assert (uow.commits, len(uow.events)) == (1, 1)
