"""Grants' clocks: two daily checks, run every scheduler interval but acting on dates (Europe/London).

Funds open and close on their dates, and live grants are told once a year that their monitoring
report is due, then overdue. Each takes the Runtime and acts as the scheduler.
"""

from __future__ import annotations

import os

from services.grants.domain import DEFAULT_REPORT_NOTICE_DAYS
from services.grants.handlers import open_and_close_funds, raise_monitoring_notices
from shared.calendar import today_in_london
from shared.service import Runtime
from shared.unit_of_work import Actor

SCHEDULER = Actor("system:grants-scheduler")


def report_notice_days() -> int:
    """Days before 31 March that report-due is raised (``COHESION_GRANTS_REPORT_NOTICE_DAYS``, default 30)."""
    return int(os.environ.get("COHESION_GRANTS_REPORT_NOTICE_DAYS", DEFAULT_REPORT_NOTICE_DAYS))


async def funds_on_their_dates(runtime: Runtime) -> None:
    """Open draft funds whose opening date has come; close open funds past their closing date."""
    async with runtime.uow(SCHEDULER) as uow:
        await open_and_close_funds(uow, today_in_london())


async def monitoring_notices(runtime: Runtime) -> None:
    """Raise ``grants.monitoring.report_due.v1`` / ``report_overdue.v1``, once per grant and financial year."""
    async with runtime.uow(SCHEDULER) as uow:
        await raise_monitoring_notices(uow, today_in_london(), report_notice_days())
