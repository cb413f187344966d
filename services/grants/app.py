"""The grants service, wired: its HTTP API, its ward directory consumer, its RPC answer and its two daily clocks."""

from __future__ import annotations

from services.grants import api, demo, open_data, tables
from services.grants.clocks import funds_on_their_dates, monitoring_notices
from services.grants.consumers import ward_directory
from services.grants.responders import grantee_contact_responder
from shared.service import Export, Schedule, ServiceDefinition

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
    routers=api.routers,
    consumers=[ward_directory],
    responders=[grantee_contact_responder],
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
