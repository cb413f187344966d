"""The grants' part of the demo: the Building Stronger Communities fund (``make up``) and the life of
one application (``make demo``).

The fund is the one Cabinet agreed on 15 May 2017: £5,000 from the council and £5,000 from
Rotherham Together Partnership, overseen by the Stronger Communities Forum; it is created in draft
through the grants API, and the action plan's "grants programme open" milestone (actions' demo
data) is bound to it. The scenario is a client of the public APIs only: a partner subscribes to
``grants.#`` by webhook, an officer opens the fund (which completes that milestone), a community
group applies, the forum scores, the panel awards, finance pays the first tranche; every webhook
is verified.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from shared.demo import OFFICER, Demo, WebhookReceiver, say, until

BOSTON_CASTLE, KEPPEL = "E05012996", "E05013004"
FUND_NAME = "Building Stronger Communities small grants"
DEMO_AWARD_PENCE = 80_000


async def load_demo_data(c: Demo) -> list[str]:
    """The demo fund, unless one that can still take the scenario's application is there already."""
    fund = await find_fund(c)
    if fund is None:
        officer = c.as_("officer", **OFFICER)
        fund = await c.ok("POST", "grants", "/v1/funds", json=bsc_fund(date.today()), headers=officer)
        line = f"grants: fund '{FUND_NAME}' created ({fund['id']}), £5,000 council + £5,000 RTP"
    else:
        line = f"grants: fund '{FUND_NAME}' already there ({fund['id']}, {fund['status']})"
    c.loaded["grants.fund"] = fund["id"]
    return [line]


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


async def find_fund(c: Demo) -> dict[str, Any] | None:
    """The newest demo fund that can still take the demo's application: not closed (it closes by itself
    after its closing date) and with £800 uncommitted; otherwise none, and a new one is loaded."""
    funds = await c.ok("GET", "grants", "/v1/funds?limit=500", headers=c.as_("officer", **OFFICER))
    usable = (
        f
        for f in funds["items"]
        if f["name"] == FUND_NAME and f["status"] != "closed" and f["available_pence"] >= DEMO_AWARD_PENCE
    )
    return next(usable, None)


async def scenario(c: Demo) -> int:
    """An application's life from submission to its first payment, watched by a partner's webhook."""
    from standardwebhooks.webhooks import Webhook

    async with WebhookReceiver() as partner:
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

        bound = await bound_milestone(c, fund["id"])
        milestone = await until(lambda: _complete(c, bound["id"])) if bound is not None else None
        if milestone:
            say(f"actions: milestone '{milestone['title']}' is complete", milestone.get("evidence", ""))

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


async def bound_milestone(c: Demo, fund_id: str) -> dict[str, Any] | None:
    """The action plan's milestone that completes when the fund opens, if the plan has one."""
    headers = c.as_("partner", subject="demo-partner", organisation="South Yorkshire Police")
    opened = {"event_type": "grants.fund.opened.v1", "subject": fund_id}
    plans = await c.ok("GET", "actions", "/v1/plans?limit=500", headers=headers)
    for plan in plans["items"]:
        actions = await c.ok("GET", "actions", f"/v1/plans/{plan['id']}/actions?limit=500", headers=headers)
        for action in actions["items"]:
            milestones = await c.ok("GET", "actions", f"/v1/actions/{action['id']}/milestones", headers=headers)
            for milestone in milestones["items"]:
                binding = milestone.get("binding") or {}
                if all(binding.get(key) == value for key, value in opened.items()):
                    return dict(milestone)
    return None


async def _complete(c: Demo, milestone_id: str) -> dict[str, Any] | None:
    headers = c.as_("partner", subject="demo-partner", organisation="South Yorkshire Police")
    milestone = await c.ok("GET", "actions", f"/v1/milestones/{milestone_id}", headers=headers)
    return dict(milestone) if milestone["status"] == "complete" else None


async def _async(value: Any) -> Any:
    return value


async def apply(c: Demo, fund_id: str, group: dict[str, str]) -> dict[str, Any]:
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


async def subscribe_partner(c: Demo, partner: dict[str, str], url: str) -> dict[str, Any]:
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
