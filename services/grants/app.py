"""The grants service, wired: its HTTP API, its ward directory consumer and its two daily clocks.

The clocks run every scheduler interval but act on dates (Europe/London): funds open and close on
their dates, and live grants are told once a year that their monitoring report is due, then overdue.
"""

from __future__ import annotations

import os

from services.grants import api, demo, handlers, open_data, tables
from services.grants.domain import DEFAULT_REPORT_NOTICE_DAYS
from services.grants.handlers import SCHEDULER, ward_directory
from shared.calendar import today_in_london
from shared.service import Export, Runtime, Schedule, ServiceDefinition


def report_notice_days() -> int:
    """Days before 31 March that report-due is raised (``COHESION_GRANTS_REPORT_NOTICE_DAYS``, default 30)."""
    return int(os.environ.get("COHESION_GRANTS_REPORT_NOTICE_DAYS", DEFAULT_REPORT_NOTICE_DAYS))


async def funds_on_their_dates(runtime: Runtime) -> None:
    """Open draft funds whose opening date has come; close open funds past their closing date."""
    async with runtime.uow(SCHEDULER) as uow:
        await handlers.open_and_close_funds(uow, today_in_london())


async def monitoring_notices(runtime: Runtime) -> None:
    """Raise ``grants.monitoring.report_due.v1`` / ``report_overdue.v1``, once per grant and financial year."""
    async with runtime.uow(SCHEDULER) as uow:
        await handlers.raise_monitoring_notices(uow, today_in_london(), report_notice_days())


definition = ServiceDefinition(
    name="grants",
    title="Cohesion — grants",
    description=(
        "The small-grants fund: funds and their funders, applications, assessment by the forum, "
        "awards committed against the fund and paid in tranches, monitoring reports, and the 360Giving "
        "open-data export. Publishes `grants.*` events."
    ),
    metadata=tables.metadata,
    port=8002,
    routers=[api.router],
    consumers=[ward_directory],
    responders=[handlers.grantee_contact_responder],
    schedules=[
        Schedule("fund-dates", funds_on_their_dates),
        Schedule("monitoring-notices", monitoring_notices),
    ],
    demo=demo.load_demo_data,
    scenario=demo.scenario,
    exports=[
        Export(
            "360giving",
            "Write the council's awarded grants as a 360Giving package (JSON) and its flattened CSV.",
            open_data.write_360giving,
            options={"prefix": "Your registered 360Giving prefix, e.g. 360G-rotherham"},
        )
    ],
)
