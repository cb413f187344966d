"""Demo data from the seed papers, and a short scenario driven through the running system.

``load_demo_data`` (run by ``cohesion up``) creates the Building Stronger
Communities fund through the grants API — £5,000 from the council and £5,000
from Rotherham Together Partnership (Cabinet, 15 May 2017) — and loads the 2017
action plan with the actions service's own seed, its "grants programme open"
milestone bound to that fund. The wards service loads Rotherham's wards itself.

``run_demo`` (``cohesion demo``) is a client of the public APIs only: a partner
subscribes to ``grants.#`` by webhook, an officer opens the fund (which
completes the milestone), a community group applies, the forum scores, the
panel awards, finance pays the first tranche; every webhook is verified.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import httpx

from shared.auth import issue_token
from shared.settings import Settings, settings_for

COUNCIL = "E08000018"  # Rotherham
BOSTON_CASTLE, KEPPEL = "E05012996", "E05013004"
FUND_NAME = "Building Stronger Communities small grants"
GRANTS_OPEN = "BSC grants programme open to applications"


def bsc_fund(today: date) -> dict[str, Any]:
    # The fund opens by command in the demo; its dates cover the current financial year.
    year_end = date(today.year + (today.month >= 4), 3, 31)
    return {
        "name": FUND_NAME,
        "description": (
            "Small grants for community groups bringing people together across Rotherham, "
            "overseen by the Stronger Communities Forum (Cabinet, 15 May 2017)."
        ),
        "themes": [
            "A strong civic community and pride of place",
            "Bringing people together",
            "Our rights and responsibilities towards each other",
            "Expanding opportunity and economic security",
        ],
        "opens_on": (today + timedelta(days=30)).isoformat(),
        "closes_on": year_end.isoformat(),
        "maximum_award_pence": 100_000,
        "eligibility": "Voluntary and community groups working in Rotherham.",
        "panel_name": "Stronger Communities Forum",
        "quorum": 3,
        "contributions": [
            {"funder_name": "Rotherham Metropolitan Borough Council", "amount_pence": 500_000},
            {"funder_name": "Rotherham Together Partnership", "amount_pence": 500_000},
        ],
    }


class Cohesion:
    """The four services' HTTP APIs, with development tokens for whoever is acting."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client
        self.urls = settings.service_urls

    def as_(self, *roles: str, subject: str, organisation: str | None = None) -> dict[str, str]:
        jwt = issue_token(self.settings, subject=subject, council=COUNCIL, roles=roles, organisation=organisation)
        return {"Authorization": f"Bearer {jwt}"}

    async def call(self, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, f"{self.urls[service]}{path}", **kwargs)

    async def ok(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        response = await self.call(method, service, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {service}{path} → {response.status_code}: {response.text}")
        return response.json()


@asynccontextmanager
async def cohesion() -> AsyncIterator[Cohesion]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield Cohesion(settings_for("cli"), client)


OFFICER = {"subject": "coordinator@rotherham.gov.uk", "organisation": "Rotherham MBC"}


DEMO_AWARD_PENCE = 80_000


async def find_fund(c: Cohesion) -> dict[str, Any] | None:
    """The newest demo fund that can still take the demo's application: not closed (it closes by itself
    after its closing date) and with £800 uncommitted; otherwise none, and a new one is loaded."""
    funds = await c.ok("GET", "grants", "/v1/funds?limit=500", headers=c.as_("officer", **OFFICER))
    usable = (
        f
        for f in funds["items"]
        if f["name"] == FUND_NAME and f["status"] != "closed" and f["available_pence"] >= DEMO_AWARD_PENCE
    )
    return next(usable, None)


async def load_demo_data() -> list[str]:
    lines: list[str] = []
    async with cohesion() as c:
        officer = c.as_("officer", **OFFICER)
        wards = await c.ok("GET", "wards", "/v1/wards?limit=500", headers=officer)
        # Publish them again so subscribers declared since the first load (grants' ward copy) catch up;
        # the inbox makes a repeat harmless.
        admin = c.as_("admin", subject="system:demo-data")
        republished = await c.ok("POST", "wards", "/v1/wards:republish", headers=admin)
        lines.append(
            f"wards: {len(wards['items'])} Rotherham wards (WD24) loaded; {republished['published']} published"
        )
        fund = await find_fund(c)
        if fund is None:
            fund = await c.ok("POST", "grants", "/v1/funds", json=bsc_fund(date.today()), headers=officer)
            lines.append(f"grants: fund '{FUND_NAME}' created ({fund['id']}), £5,000 council + £5,000 RTP")
        else:
            lines.append(f"grants: fund '{FUND_NAME}' already there ({fund['id']}, {fund['status']})")

    from services.actions.bsc_2017 import seed_2017_plan
    from shared.db import create_engine
    from shared.unit_of_work import Actor, UnitOfWork

    actions = settings_for("actions")
    engine = create_engine(actions.db_url, pool_size=1)
    try:
        async with UnitOfWork(engine, "actions", Actor("system:demo-data")) as uow:
            seeded = await seed_2017_plan(uow, COUNCIL, fund_id=fund["id"])
    finally:
        await engine.dispose()
    state = "loaded" if seeded.created else "already there"
    lines.append(
        f"actions: 2017 BSC action plan {state}: {len(seeded.actions)} actions, {len(seeded.milestones)} milestones; "
        f"'{GRANTS_OPEN}' completes when the fund opens"
    )
    return lines


# --- the scenario -------------------------------------------------------------------------------------


class WebhookReceiver:
    """A partner's endpoint: a local HTTP server that keeps what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.port = 0

    async def __aenter__(self) -> WebhookReceiver:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append((headers, body))
            writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cohesion-events"


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.3)


async def find_milestone(c: Cohesion, title: str) -> dict[str, Any] | None:
    headers = c.as_("partner", subject="demo-partner", organisation="South Yorkshire Police")
    plans = await c.ok("GET", "actions", "/v1/plans?limit=500", headers=headers)
    for plan in plans["items"]:
        actions = await c.ok("GET", "actions", f"/v1/plans/{plan['id']}/actions?limit=500", headers=headers)
        for action in actions["items"]:
            milestones = await c.ok("GET", "actions", f"/v1/actions/{action['id']}/milestones", headers=headers)
            for milestone in milestones["items"]:
                if milestone["title"] == title:
                    return dict(milestone)
    return None


def say(step: str, detail: str = "") -> None:
    print(f"• {step}" + (f"\n    {detail}" if detail else ""), flush=True)


async def run_demo() -> int:
    from standardwebhooks.webhooks import Webhook

    async with cohesion() as c, WebhookReceiver() as partner:
        officer = c.as_("officer", **OFFICER)
        fund = await find_fund(c)
        if fund is None:
            print("No demo fund that can take an application: load the demo data with `make up` first.")
            return 1

        police = {"subject": "ops@southyorks.police.uk", "organisation": "south-yorkshire-police"}
        subscription = await subscribe_partner(c, police, partner.url)
        say(
            "South Yorkshire Police subscribes to grants.# and actions.milestone.# by webhook",
            f"subscription {subscription['id']} → {partner.url}",
        )

        trace_id = secrets.token_hex(16)
        traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        if fund["status"] == "draft":
            opened = await c.call(
                "POST", "grants", f"/v1/funds/{fund['id']}/open", headers={**officer, "traceparent": traceparent}
            )
            trace_id = opened.headers.get("x-trace-id", trace_id)
            say(f"The officer opens '{FUND_NAME}' → {opened.status_code}", f"trace id {trace_id}")
        else:
            say(f"'{FUND_NAME}' is already {fund['status']}; continuing with a new application")

        milestone = await until(
            lambda: _complete(c, GRANTS_OPEN),
        )
        if milestone:
            say(f"actions: milestone '{GRANTS_OPEN}' is complete", milestone.get("evidence", ""))

        group = c.as_("applicant", subject="chair@kimberworth-friends.org.uk", organisation="Friends of Kimberworth")
        application = await apply(c, fund["id"], group)
        app_url = f"/v1/applications/{application['id']}"
        submitted = await c.call("POST", "grants", f"{app_url}/submit", headers=group)
        submitted.raise_for_status()
        trace_id = submitted.headers.get("x-trace-id", trace_id)
        say(
            "Friends of Kimberworth apply for £800 for community iftars and a street party",
            f"application {application['id']}",
        )

        await c.ok("POST", "grants", f"{app_url}/assessment", headers=officer)
        for member in ("forum-member-1", "forum-member-2", "forum-member-3"):
            await c.ok(
                "PUT",
                "grants",
                f"{app_url}/scores/mine",
                json={"marks": {k: 4 for k in fund["criteria"]}, "comments": {}},
                headers=c.as_("forum_member", subject=member),
            )
        say("Three Stronger Communities Forum members score it against the criteria (quorum 3)")
        await c.ok(
            "POST",
            "grants",
            f"{app_url}/recommendation",
            json={"recommended": True, "reasons": "Meets the criteria"},
            headers=officer,
        )
        decided = await c.ok(
            "POST",
            "grants",
            f"{app_url}/decision",
            json={"outcome": "approved", "reasons": "Brings people together"},
            headers=officer,
        )
        shares = ", ".join(f"£{s['amount_pence'] / 100:,.2f}" for s in decided.get("funder_shares", []))
        say("The panel approves £800", f"attributed to the two funders: {shares}")
        await c.ok(
            "POST",
            "grants",
            f"{app_url}/offer",
            json={
                "conditions": ["Monitoring report by 31 March"],
                "tranches": [{"amount_pence": 50_000}, {"amount_pence": 30_000}],
            },
            headers=officer,
        )
        await c.ok("POST", "grants", f"{app_url}/accept", headers=group)
        finance = c.as_("finance", subject="payments@rotherham.gov.uk")
        await c.ok("POST", "grants", f"{app_url}/tranches/1/approve", headers=finance)
        paid = await c.ok("POST", "grants", f"{app_url}/tranches/1/pay", headers=finance)
        say(
            "Offer accepted; finance approves and pays the first tranche",
            f"paid £{paid['amount_paid_pence'] / 100:,.2f} of £800.00",
        )

        expected = {
            "grants.application.submitted.v1",
            "grants.application.approved.v1",
            "grants.application.tranche_paid.v1",
        }
        await until(lambda: _async(expected <= {json.loads(b)["type"] for _, b in partner.received}))
        webhook = Webhook(subscription["secret"])
        say(f"The police endpoint received {len(partner.received)} signed webhooks:")
        for headers, body in sorted(partner.received, key=lambda r: str(json.loads(r[1])["time"])):
            event = json.loads(body)
            webhook.verify(body, headers)  # raises if the signature is wrong
            trace = event.get("traceparent", "").split("-")[1] if event.get("traceparent") else "-"
            print(f"    {event['type']:<45} verified ✓  webhook-id {headers['webhook-id']}  trace {trace}")
        print(
            f"\nThe submission's trace {trace_id} runs from the HTTP request through grants' outbox and the broker "
            "to the webhook above that carries it (export traces with OTEL_EXPORTER_OTLP_ENDPOINT; logs carry trace_id)."
        )
    return 0


async def _complete(c: Cohesion, title: str) -> dict[str, Any] | None:
    milestone = await find_milestone(c, title)
    return milestone if milestone and milestone["status"] == "complete" else None


async def _async(value: Any) -> Any:
    return value


async def apply(c: Cohesion, fund_id: str, group: dict[str, str]) -> dict[str, Any]:
    body = {
        "organisation": {
            "name": "Friends of Kimberworth",
            "type": "community_group",
            "contact": {"name": "Demo Chair", "email": "chair@kimberworth-friends.org.uk"},
        },
        "title": "Kimberworth together: iftars and a summer street party",
        "summary": "Bringing neighbours of different backgrounds together through shared meals and a street party.",
        "amount_requested_pence": DEMO_AWARD_PENCE,
        "ward_codes": [BOSTON_CASTLE, KEPPEL],
        "theme": "Bringing people together",
    }

    async def attempt() -> dict[str, Any] | None:
        response = await c.call("POST", "grants", f"/v1/funds/{fund_id}/applications", json=body, headers=group)
        if response.status_code == 422 and "ward" in response.text.lower():
            return None  # grants is still building its ward list from wards' events
        if response.status_code >= 400:
            raise RuntimeError(f"application refused: {response.status_code} {response.text}")
        return dict(response.json())

    result = await until(attempt)
    if result is None:
        raise RuntimeError("grants never learned Rotherham's wards; is the wards service running?")
    return result


async def subscribe_partner(c: Cohesion, partner: dict[str, str], url: str) -> dict[str, Any]:
    """Register the partner (once) and subscribe its endpoint; the response carries the signing secret."""
    officer = c.as_("officer", **OFFICER)
    registered = await c.call(
        "POST",
        "notifications",
        "/v1/partners",
        json={
            "name": "South Yorkshire Police",
            "organisation": partner["organisation"],
            "contact_email": partner["subject"],
        },
        headers=officer,
    )
    if registered.status_code not in (201, 409):
        raise RuntimeError(f"partner registration refused: {registered.status_code} {registered.text}")
    own = c.as_("partner", **partner)
    subscription: dict[str, Any] = await c.ok(
        "POST",
        "notifications",
        "/v1/subscriptions",
        json={"channel": "webhook", "url": url, "event_types": ["grants.#", "actions.milestone.#"]},
        headers=own,
    )
    return subscription
