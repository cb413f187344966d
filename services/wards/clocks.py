"""The wards service's time-driven checks, each a function taking the Runtime.

``load_reference_wards`` keeps the bundled reference wards (Rotherham, WD24) loaded.
``meeting_cadence`` runs every scheduler interval but acts on dates (Europe/London):
from the day after each quarter end, a ward behind the four-meetings-a-year cadence
is raised once for that checkpoint.
``quarterly_updates_overdue`` likewise: from the day after a quarterly update fell due, each ward without
one is raised once for that quarter.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from services.wards.domain import Ward
from services.wards.handlers import (
    raise_cadence_notices,
    raise_overdue_updates,
    record_boundary_set,
    register_wards,
)
from shared.calendar import today_in_london
from shared.service import Runtime
from shared.unit_of_work import Actor

SCHEDULER = Actor("system:wards-scheduler")

REFERENCE_WARDS = Path(__file__).parent / "reference" / "rotherham-wards-wd24.csv"

REFERENCE_SET_IN_FORCE_FROM = date(2021, 5, 6)
"""Rotherham's present wards were first elected on 6 May 2021, after the boundary review (the all-out
elections were postponed a year); so they share the ward budgets from 2022-23. A council corrects it with
``PUT /v1/boundary-sets/{code}``: the reference load records the set only if it is not there."""


def read_reference_wards(path: Path = REFERENCE_WARDS) -> list[Ward]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Ward(
                gss_code=row["gss_code"],
                name=row["name"],
                local_authority_gss=row["local_authority_gss"],
                local_authority_name=row["local_authority_name"],
                boundary_set=row["boundary_set"],
                latitude=float(row["lat"]) if row.get("lat") else None,
                longitude=float(row["lon"]) if row.get("lon") else None,
            )
            for row in csv.DictReader(f)
        ]


async def load_reference_wards(runtime: Runtime) -> None:
    """Keep the bundled reference wards (Rotherham, WD24) and their boundary set loaded; only changes are published."""
    reference = read_reference_wards()
    async with runtime.uow(Actor("system:wards-reference")) as uow:
        await register_wards(uow, reference)
        for council, code in sorted({(w.local_authority_gss, w.boundary_set) for w in reference}):
            await record_boundary_set(uow, council, code, REFERENCE_SET_IN_FORCE_FROM, only_if_new=True)


async def meeting_cadence(runtime: Runtime) -> None:
    """Raise ``wards.ward.meetings_behind.v1`` once per ward, financial year and quarter checkpoint."""
    async with runtime.uow(SCHEDULER) as uow:
        await raise_cadence_notices(uow, today_in_london())


async def quarterly_updates_overdue(runtime: Runtime) -> None:
    """Raise ``wards.quarterly_update.overdue.v1`` once per ward and quarter whose update is missing."""
    async with runtime.uow(SCHEDULER) as uow:
        await raise_overdue_updates(uow, today_in_london())
