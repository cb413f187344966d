"""The actions' part of ``make up``'s demo data: the 2017 BSC plan, Rotherham's 2011 strategy, Leeds' 2013 board.

``load_demo_data`` loads, into the service's database, the 2017 Building Stronger
Communities action plan (``bsc_2017``), whose "grants programme open" milestone is
bound to the fund grants' demo data opened before it (``grants.fund``), and then
the two below.

From the papers in ``seeds/``: the Rotherham Partnership Board and the three
priorities of the Community Strategy 2011-2014 with their draft objectives
(Cabinet, 21 September 2011); Leeds' Communities Board, its chair, lead director
and draft terms of reference, its work programme and the City Priority Plan's
four priorities, signed off "in September" (Stronger Communities Partnership,
24 May 2013). Plain async functions, each one transaction, each finding what
it made before and making nothing twice.

The Leeds paper names the City Priority Plan's priority indicators but gives
no figures: they are recorded as indexes (2012/13 = 100) whose target is to
hold or better the baseline, for the Board to set properly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.actions import tables
from services.actions.bsc_2017 import GRANTS_OPEN, seed_2017_plan
from services.actions.domain import Body, Member, Plan
from services.actions.handlers.actions import added_action
from services.actions.handlers.bodies import added_body
from services.actions.handlers.indicators import added_indicator
from services.actions.handlers.plans import added_objective, added_plan, added_priority, signed_off
from shared.db import create_engine
from shared.demo import Demo
from shared.settings import settings_for
from shared.unit_of_work import Actor, UnitOfWork

ROTHERHAM = "E08000018"
LEEDS = "E08000035"
DEMO = Actor("system:demo-data")

# --- Rotherham: the Community Strategy 2011-2014 ----------------------------------------------------

ROTHERHAM_2011 = "Rotherham Community Strategy 2011-2014"
ROTHERHAM_PRIORITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Ensuring the best start in life for children and families",
        (
            "Have a clear evidential base to demonstrate the impact of partnership programmes of support delivered "
            "to families with a child who is aged 0-3",
            "Understand the effectiveness of multi-agency delivery and implement improvements",
            "Contribute to Rotherham's commitment to reduce child poverty",
        ),
    ),
    (
        "Providing additional support to vulnerable people in our communities",
        (
            "Tackle rising inequalities",
            "Break the cycle of negative engagement with partnership services and overcome barriers to positive "
            "engagement for a cohort of Rotherham families",
            "Better information sharing and collaborative working (and first point of contact)",
            "Reduce harms caused by alcohol misuse in Rotherham",
            "Reduce loneliness and isolation in older people in Rotherham",
        ),
    ),
    (
        "Supporting the growth of a sustainable and competitive local economy",
        (
            "Focus on high-growth sectors (through business support, supply chains, apprenticeships, research and "
            "development)",
            "Maximise local spend in the Rotherham economy",
            "Enterprise business starts, higher skills, young people, growing existing business, promoting innovation",
        ),
    ),
)
ROTHERHAM_CHIEF_EXECUTIVES = (
    "Rotherham Metropolitan Borough Council",
    "South Yorkshire Police",
    "South Yorkshire Fire & Rescue",
    "NHS Rotherham",
    "The Rotherham NHS Foundation Trust",
    "Rotherham Chamber of Commerce",
    "Voluntary Action Rotherham",
)

# --- Leeds: the Communities Board, 2013 ----------------------------------------------------------

LEEDS_2013 = "Best City for Communities: Communities Board plan"
LEEDS_CHAIR_ACCOUNT = "peter.gruen"
LEEDS_WORK_PROGRAMME = (
    "Best City for Communities development programme",
    "Community relations and Safeguarding Communities",
    "Leeds Migration Partnership",
    "Leeds Poverty Challenge",
    "BME Challenge",
    "Third Sector Leeds Partnership",
    "Locality working: Area Leadership Teams",
)
LEEDS_PRIORITIES = (
    "Reducing crime",
    "Tackling anti-social behaviour",
    "Ensuring local neighbourhoods are clean",
    "Increasing the sense of belonging that builds cohesive and harmonious communities",
)
LEEDS_OBJECTIVES = (  # under the fourth priority (the paper's 3.7.5)
    "All communities have fair access to cultural, leisure or social space",
    "All communities have the right support to develop capacity to have voice and influence",
    "All communities have adequate protections for the vulnerable and isolated built in",
    "All communities have the right level of investment to build skills for independence",
    "All communities are connected and networked with each other across the city",
    "All communities have their opinions and ideas sought out, heard and acted on",
)
LEEDS_ACTIONS = (  # (work programme strand, action)
    ("Leeds Migration Partnership", "The work of the Leeds Migration Partnership"),
    ("Leeds Poverty Challenge", "Work with the Leeds Poverty Challenge"),
    ("BME Challenge", "Agree the development of the current strands of work of the BME Challenge"),
)


@dataclass(frozen=True)
class Seeded:
    council: str
    plan: Plan
    created: bool


async def existing_plan(uow: UnitOfWork, council: str, title: str) -> Plan | None:
    found: Plan | None = (
        await uow.session.scalars(select(Plan).where(tables.plans.c.council == council, tables.plans.c.title == title))
    ).first()
    return found


async def seed_rotherham_2011(uow: UnitOfWork, council: str = ROTHERHAM) -> Seeded:
    """The Rotherham Partnership Board and its Community Strategy 2011-2014: three priorities and their objectives."""
    if (found := await existing_plan(uow, council, ROTHERHAM_2011)) is not None:
        await uow.commit()
        return Seeded(council, found, created=False)
    board = Body(
        council=council,
        kind="board",
        name="Rotherham Partnership Board",
        chair="Chair of the Rotherham Partnership",
        terms_of_reference=(
            "Rotherham's accredited Local Strategic Partnership (since 2002): a Board of fifteen members from local "
            "public sector bodies, the voluntary and community sector, the local business community and elected "
            "members, with an executive group of the Chief Executives of local agencies. It owns the Community "
            "Strategy and its annual plan, delivered by small, focused, time-limited task and finish groups."
        ),
        members=[Member("Chief Executive", org, "partner_body") for org in ROTHERHAM_CHIEF_EXECUTIVES],
    )
    added_body(uow, board)
    plan = Plan(
        council=council,
        title=ROTHERHAM_2011,
        period_start=date(2011, 4, 1),
        period_end=date(2014, 3, 31),
        themes=["Prevention and early intervention"],  # "an intended strand … running across the priorities"
        owner_body_id=board.id,
    )
    added_plan(uow, plan)
    await uow.session.flush()
    for number, (title, objectives) in enumerate(ROTHERHAM_PRIORITIES, start=1):
        priority = await added_priority(uow, plan, number=number, title=title)
        await uow.session.flush()
        for objective in objectives:
            await added_objective(uow, priority, title=objective)
            await uow.session.flush()
    await uow.commit()
    return Seeded(council, plan, created=True)


async def seed_leeds_2013(uow: UnitOfWork, council: str = LEEDS) -> Seeded:
    """Leeds' Communities Board, its plan (work programme, priorities, indicators), signed off in September 2013.

    ``uow`` must act for the chair (``LEEDS_CHAIR_ACCOUNT``): the owning board signs its plan off.
    """
    if (found := await existing_plan(uow, council, LEEDS_2013)) is not None:
        await uow.commit()
        return Seeded(council, found, created=False)
    board = Body(
        council=council,
        kind="board",
        name="Communities Board",
        chair="Cllr Peter Gruen",
        terms_of_reference=(
            "Draft terms of reference (Appendix 1), based on the Strategic Partnership Board standard terms: to "
            "create the conditions for the Best City for Communities, succeeding the Safer and Stronger Communities "
            "Board; a Strategic Partnership Board complying with the governance shared by all of them. Agreed by "
            "the Stronger Communities Partnership on 24 May 2013, subject to further work on the membership and "
            "the sub-board partnerships."
        ),
        members=[
            Member("Cllr Peter Gruen", "Leeds City Council", "elected_member", LEEDS_CHAIR_ACCOUNT),
            Member("James Rogers", "Leeds City Council", "partner_body"),
            Member("Representative", "Third Sector Leeds", "community_representative"),
        ],
    )
    added_body(uow, board)
    plan = Plan(
        council=council,
        title=LEEDS_2013,
        period_start=date(2013, 9, 1),
        period_end=date(2015, 3, 31),  # the second half of the City Priority Plan 2015
        themes=list(LEEDS_WORK_PROGRAMME),
        vision=(
            "We want to see all Leeds' communities being strong and resilient: communities that can influence and "
            "shape the decisions that affect them."
        ),
        owner_body_id=board.id,
    )
    added_plan(uow, plan)
    await uow.session.flush()
    priorities = []
    for number, title in enumerate(LEEDS_PRIORITIES, start=1):
        priorities.append(await added_priority(uow, plan, number=number, title=title))
        await uow.session.flush()
    belonging = priorities[-1]
    first = None
    for title in LEEDS_OBJECTIVES:
        objective = await added_objective(uow, belonging, title=title)
        first = first or objective
        await uow.session.flush()
    for theme, title in LEEDS_ACTIONS:
        action = plan.add_action(
            theme=theme,
            title=title,
            lead_organisation="Leeds City Council",
            owner="Assistant Chief Executive, Customers and Communities",
            starts_on=date(2013, 9, 1),
            due_on=date(2015, 3, 31),
            objective=first,
        )
        added_action(uow, action)
    for priority in priorities:
        indicator = plan.add_indicator(
            title=f"Priority indicator: {priority.title}",
            unit="index (2012/13 = 100)",
            higher_is_better=priority.number == 4,
            baseline=100.0,
            baseline_period="2012/13",
            target=100.0,
            target_period="2014/15",
        )
        added_indicator(uow, indicator)
    signed_off(uow, plan, board, date(2013, 9, 30))
    await uow.commit()
    return Seeded(council, plan, created=True)


async def seed_demo(engine: AsyncEngine) -> list[str]:
    """Load both, each in its own transaction; a line for each saying what it did."""
    lines = []
    async with UnitOfWork(engine, "actions", DEMO) as uow:
        rotherham = await seed_rotherham_2011(uow)
    async with UnitOfWork(engine, "actions", Actor(LEEDS_CHAIR_ACCOUNT, "Leeds City Council", LEEDS)) as uow:
        leeds = await seed_leeds_2013(uow)
    for seeded in (rotherham, leeds):
        state = "loaded" if seeded.created else "already there"
        lines.append(f"actions: {seeded.plan.title!r} ({seeded.council}) {state} ({seeded.plan.id})")
    return lines


async def load_demo_data(demo: Demo) -> list[str]:
    engine = create_engine(settings_for("actions").db_url, pool_size=1)
    try:
        async with UnitOfWork(engine, "actions", DEMO) as uow:
            seeded = await seed_2017_plan(uow, demo.council, fund_id=demo.loaded.get("grants.fund"))
        state = "loaded" if seeded.created else "already there"
        lines = [
            f"actions: 2017 BSC action plan {state}: {len(seeded.actions)} actions, {len(seeded.milestones)} "
            f"milestones; '{GRANTS_OPEN}' completes when the fund opens"
        ]
        return lines + await seed_demo(engine)
    finally:
        await engine.dispose()
