"""End to end: the four services as separate processes, driven through their HTTP APIs.

A partner's webhook endpoint is a real HTTP server in the test. One command —
opening the fund — must reach it signed, as a CloudEvent in the caller's
trace, and complete the bound milestone in the actions service.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudevents.core.formats.json import JSONFormat
from standardwebhooks.webhooks import Webhook

from shared.demo import WebhookReceiver
from shared.docs import load_definitions
from shared.messaging.topology import declare_topology
from shared.settings import Settings
from tests.support import COUNCIL, RUN_ID, amqp_url_for_vhost, eventually, token
from tests.system import System, system_env

pytestmark = pytest.mark.e2e

BOSTON_CASTLE = "E05012996"


class Cohesion:
    def __init__(self, system: System, settings: Settings, client: httpx.AsyncClient) -> None:
        self.system, self.settings, self.client = system, settings, client

    def as_(self, *roles: str, **claims: Any) -> dict[str, str]:
        return token(self.settings, *roles, **claims)

    async def post(self, service: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return await self.client.post(f"{self.system.urls[service]}{path}", json=body, headers=headers)

    async def get(self, service: str, path: str, **headers: str) -> httpx.Response:
        return await self.client.get(f"{self.system.urls[service]}{path}", headers=headers)


@pytest.fixture
async def cohesion(settings_for_test, vhost: str, tmp_path: Path) -> AsyncIterator[Cohesion]:
    settings = settings_for_test("grants")  # empties every database and queue first
    amqp_url = amqp_url_for_vhost(vhost)
    env, urls = system_env(
        f"cohesion_test_{RUN_ID}",
        amqp_url,
        COHESION_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        COHESION_WEBHOOK_POLL_SECONDS="0.2",
    )
    # As `cohesion up` does: every consumer's queue exists before anyone publishes.
    consumers = [c.queue for d in load_definitions().values() for c in d.consumers]
    await declare_topology(amqp_url, consumers, [200, 500])
    system = System(env, urls, tmp_path / "logs")
    system.start()
    try:
        await system.wait_ready()
        async with httpx.AsyncClient(timeout=30) as client:
            yield Cohesion(system, settings, client)
    finally:
        system.stop()


FUND = {
    "name": "Building Stronger Communities small grants",
    "themes": ["Bringing people together"],
    "maximum_award_pence": 100_000,
    "panel_name": "Stronger Communities Forum",
    "contributions": [
        {"funder_name": "Rotherham Metropolitan Borough Council", "amount_pence": 500_000},
        {"funder_name": "Rotherham Together Partnership", "amount_pence": 500_000},
    ],
}


def application(ward_codes: list[str]) -> dict[str, Any]:
    return {
        "organisation": {
            "name": "Friends of Kimberworth",
            "type": "community_group",
            "contact": {"name": "A Chair", "email": "chair@example.org"},
        },
        "title": "Street party",
        "amount_requested_pence": 80_000,
        "ward_codes": ward_codes,
        "theme": "Bringing people together",
    }


async def bound_milestone(c: Cohesion, officer: dict[str, str], fund_id: str) -> str:
    plan = await c.post(
        "actions",
        "/v1/plans",
        {
            "title": "Building Stronger Communities action plan 2017",
            "period_start": "2017-04-01",
            "period_end": "2018-03-31",
            "themes": ["Coordination and overarching activity"],
        },
        **officer,
    )
    action = await c.post(
        "actions",
        f"/v1/plans/{plan.json()['id']}/actions",
        {
            "theme": "Coordination and overarching activity",
            "title": "Run a BSC small grants programme",
            "lead_organisation": "Rotherham MBC",
            "owner": "Assistant Chief Executive",
            "starts_on": "2017-05-15",
            "due_on": "2017-06-30",
        },
        **officer,
    )
    milestone = await c.post(
        "actions",
        f"/v1/actions/{action.json()['id']}/milestones",
        {
            "title": "BSC grants programme open to applications",
            "due_on": "2017-06-30",
            "binding": {"event_type": "grants.fund.opened.v1", "subject": fund_id},
        },
        **officer,
    )
    assert milestone.status_code == 201, milestone.text
    return str(milestone.json()["id"])


async def test_opening_a_fund_reaches_the_partner_signed_in_the_callers_trace_and_completes_the_milestone(
    cohesion: Cohesion,
):
    c = cohesion
    officer = c.as_("officer", subject="coordinator")
    fund = (await c.post("grants", "/v1/funds", FUND, **officer)).json()
    milestone_id = await bound_milestone(c, officer, fund["id"])

    async with WebhookReceiver() as receiver:
        registered = await c.post(
            "notifications",
            "/v1/partners",
            {"name": "South Yorkshire Police", "organisation": "syp", "contact_email": "ops@syp.example"},
            **officer,
        )
        assert registered.status_code == 201, registered.text
        subscription = await c.post(
            "notifications",
            "/v1/subscriptions",
            {"channel": "webhook", "url": receiver.url, "event_types": ["grants.#"]},
            **c.as_("partner", subject="ops@syp.example", organisation="syp"),
        )
        assert subscription.status_code == 201, subscription.text

        trace_id = secrets.token_hex(16)
        opened = await c.post(
            "grants", f"/v1/funds/{fund['id']}/open", traceparent=f"00-{trace_id}-{secrets.token_hex(8)}-01", **officer
        )
        assert opened.status_code == 200, opened.text
        assert opened.headers["x-trace-id"] == trace_id

        def fund_opened() -> tuple[dict[str, str], bytes] | None:
            return next((r for r in receiver.received if json.loads(r[1])["type"] == "grants.fund.opened.v1"), None)

        headers, body = await eventually(lambda: _async(fund_opened()), timeout=30)

    Webhook(subscription.json()["secret"]).verify(body, headers)  # raises unless signed with the secret
    assert headers["content-type"].startswith("application/cloudevents+json")
    event = JSONFormat().read(None, body)  # the official SDK accepts it as a CloudEvent
    assert event.get_type() == "grants.fund.opened.v1"
    assert event.get_subject() == fund["id"]
    assert event.get_extension("council") == COUNCIL
    assert event.get_extension("traceparent").split("-")[1] == trace_id
    data = event.get_data()
    assert isinstance(data, dict) and data["fund_id"] == fund["id"]

    async def milestone_complete() -> dict[str, Any] | None:
        response = await c.get("actions", f"/v1/milestones/{milestone_id}", **officer)
        return response.json() if response.json()["status"] == "complete" else None

    milestone = await eventually(milestone_complete, timeout=30)
    assert milestone["completed_by_event"] == event.get_id()


async def test_grants_refuses_an_unknown_ward_named_by_its_own_copy_of_the_ward_list(cohesion: Cohesion):
    c = cohesion
    officer = c.as_("officer", subject="coordinator")
    fund = (await c.post("grants", "/v1/funds", FUND, **officer)).json()
    await c.post("grants", f"/v1/funds/{fund['id']}/open", **officer)
    group = c.as_("applicant", subject="chair@example.org")

    async def accepted() -> httpx.Response | None:
        response = await c.post("grants", f"/v1/funds/{fund['id']}/applications", application([BOSTON_CASTLE]), **group)
        return response if response.status_code == 201 else None

    await eventually(accepted, timeout=30)  # grants has learned the wards from wards' events
    refused = await c.post("grants", f"/v1/funds/{fund['id']}/applications", application(["E05999999"]), **group)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "E05999999" in refused.text


async def test_a_killed_consumer_gets_the_event_when_it_comes_back(cohesion: Cohesion):
    c = cohesion
    officer = c.as_("officer", subject="coordinator")
    fund = (await c.post("grants", "/v1/funds", FUND, **officer)).json()
    milestone_id = await bound_milestone(c, officer, fund["id"])

    c.system.stop("actions", kill=True)
    assert (await c.post("grants", f"/v1/funds/{fund['id']}/open", **officer)).status_code == 200
    c.system.start("actions")
    await c.system.wait_ready()

    async def milestone_complete() -> bool:
        response = await c.get("actions", f"/v1/milestones/{milestone_id}", **officer)
        return bool(response.json()["status"] == "complete")

    await eventually(milestone_complete, timeout=30)


async def _async(value: Any) -> Any:
    return value


async def test_the_demo_walks_an_application_from_submission_to_its_first_payment(
    cohesion: Cohesion, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """What `make up` loads and `make demo` then drives, against the four running processes."""
    from shared.demo import load_demo_data, run_demo

    for name in ("COHESION_SERVICE_URLS", "COHESION_DB_PREFIX", "COHESION_AMQP_URL"):
        monkeypatch.setenv(name, cohesion.system.env[name])
    loaded = await load_demo_data()
    assert any("£5,000 council + £5,000 RTP" in line for line in loaded), loaded

    assert await run_demo() == 0
    said = capsys.readouterr().out
    assert "paid £500.00 of £800.00" in said
    assert "milestone 'BSC grants programme open to applications' is complete" in said
    for event_type in (
        "grants.application.submitted.v1",
        "grants.application.approved.v1",
        "grants.application.tranche_paid.v1",
    ):
        assert f"{event_type}" in said and "verified ✓" in said.split(event_type, 1)[1].splitlines()[0]
    # It names the submission's trace, and the submitted event's webhook carries that trace.
    [trace_id] = re.findall(r"The submission's trace ([0-9a-f]{32}) ", said)
    submitted = said.split("grants.application.submitted.v1", 1)[1].splitlines()[0]
    assert submitted.endswith(f"trace {trace_id}")
