"""The actions' part of ``make up``'s demo data: the 2017 Building Stronger Communities action plan.

Loaded with the service's own seed (``bsc_2017``) into its database, in this process; its "grants
programme open" milestone is bound to the fund grants' demo data opened before it (``grants.fund``),
so the milestone completes itself when that fund opens.
"""

from __future__ import annotations

from services.actions.bsc_2017 import GRANTS_OPEN, seed_2017_plan
from shared.db import create_engine
from shared.demo import Demo
from shared.settings import settings_for
from shared.unit_of_work import Actor, UnitOfWork


async def load_demo_data(demo: Demo) -> list[str]:
    engine = create_engine(settings_for("actions").db_url, pool_size=1)
    try:
        async with UnitOfWork(engine, "actions", Actor("system:demo-data")) as uow:
            seeded = await seed_2017_plan(uow, demo.council, fund_id=demo.loaded.get("grants.fund"))
    finally:
        await engine.dispose()
    state = "loaded" if seeded.created else "already there"
    return [
        f"actions: 2017 BSC action plan {state}: {len(seeded.actions)} actions, {len(seeded.milestones)} milestones; "
        f"'{GRANTS_OPEN}' completes when the fund opens"
    ]
