"""The 2017 Building Stronger Communities action plan (Rotherham, Cabinet 15 May 2017), as seed data.

Themes are those of the strategy (report §3.9); the actions and milestones are
the timetable of §6. The paper gives months, not days: each milestone is due
on the last day of its month. The plan runs for the 2017/18 financial year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from services.actions import tables
from services.actions.domain import Action, EventBinding, Milestone, Plan
from services.actions.handlers import added_action, added_milestone, added_plan
from shared.unit_of_work import UnitOfWork

TITLE = "Building Stronger Communities action plan 2017"
COORDINATION = "Coordination and overarching activity"
THEMES = (
    COORDINATION,
    "A strong civic community and pride of place",
    "Bringing people together",
    "Our rights and responsibilities towards each other",
    "Expanding opportunity and economic security",
)
GRANTS_OPEN = "BSC grants programme open to applications"
LEAD = "Rotherham Metropolitan Borough Council"
OWNER = "Assistant Chief Executive"
FORUM = "Stronger Communities Forum"


@dataclass(frozen=True)
class SeedAction:
    title: str
    starts_on: date
    due_on: date
    milestones: tuple[tuple[str, date], ...]
    task_and_finish_group: str | None = None


ACTIONS: tuple[SeedAction, ...] = (
    SeedAction(
        "Establish the Stronger Communities Forum to oversee the strategy and action plan",
        date(2017, 5, 15),
        date(2017, 7, 31),
        (
            ("First meeting of the Stronger Communities Forum (SCF)", date(2017, 5, 31)),
            ("Action plan and priorities reviewed by SCF", date(2017, 7, 31)),
        ),
        FORUM,
    ),
    SeedAction(
        "Recruit a Building Stronger Communities (BSC) Coordinator",
        date(2017, 5, 1),
        date(2017, 7, 31),
        (
            ("Decision on funding for the BSC Coordinator", date(2017, 5, 31)),
            ("BSC Coordinator in post", date(2017, 7, 31)),
        ),
    ),
    SeedAction(
        "Run a BSC small grants programme overseen by the Stronger Communities Forum",
        date(2017, 5, 15),
        date(2017, 6, 30),
        ((GRANTS_OPEN, date(2017, 6, 30)),),
        FORUM,
    ),
)


@dataclass(frozen=True)
class SeededPlan:
    plan: Plan
    actions: list[Action]
    milestones: list[Milestone]
    created: bool


async def seed_2017_plan(uow: UnitOfWork, council: str, *, fund_id: str | None = None) -> SeededPlan:
    """Create the 2017 plan for ``council`` in one transaction; a second call finds it and creates nothing.

    With ``fund_id``, "BSC grants programme open to applications" is bound to
    ``grants.fund.opened.v1`` for that fund, so it completes when the fund opens.
    """
    existing = (
        await uow.session.scalars(select(Plan).where(tables.plans.c.council == council, tables.plans.c.title == TITLE))
    ).first()
    if existing is not None:
        actions = list((await uow.session.scalars(select(Action).where(tables.actions.c.plan_id == existing.id))).all())
        milestones = list(
            (await uow.session.scalars(select(Milestone).where(tables.milestones.c.plan_id == existing.id))).all()
        )
        # Nothing to write; committing (not rolling back) keeps the loaded records usable by the caller.
        await uow.commit()
        return SeededPlan(existing, actions, milestones, created=False)

    plan = Plan(
        council=council, title=TITLE, period_start=date(2017, 4, 1), period_end=date(2018, 3, 31), themes=list(THEMES)
    )
    added_plan(uow, plan)
    await uow.session.flush()
    actions, milestones = [], []
    for seed in ACTIONS:
        action = plan.add_action(
            theme=COORDINATION,
            title=seed.title,
            lead_organisation=LEAD,
            owner=OWNER,
            starts_on=seed.starts_on,
            due_on=seed.due_on,
            task_and_finish_group=seed.task_and_finish_group,
        )
        added_action(uow, action)
        actions.append(action)
        await uow.session.flush()
        for title, due_on in seed.milestones:
            binding = EventBinding("grants.fund.opened.v1", fund_id) if title == GRANTS_OPEN and fund_id else None
            milestone = action.add_milestone(title=title, due_on=due_on, binding=binding)
            added_milestone(uow, milestone)
            milestones.append(milestone)
    await uow.commit()
    return SeededPlan(plan, actions, milestones, created=True)
