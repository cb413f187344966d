"""The wards' part of ``make up``'s demo data and ``make demo``'s scenario, from Thriving Neighbourhoods
(IPSC, September 2018). Clients of the wards HTTP API only.

``load_demo_data`` publishes Rotherham's wards again (the service loads its reference wards, WD24, itself
at start-up; a subscriber declared since, grants' ward copy, catches up, and the inbox makes a repeat
harmless), then loads the year below. ``scenario`` walks a ward meeting's decision to money spent.

``load_wards_demo_data`` gives Rotherham's 25 WD24 wards their 59 elected members (seat counts
illustrative) and the current financial year's budgets as 2017/18 set them: a £1,000 Community
Leadership Fund per member, £30,000 revenue and £210,000 capital shared evenly across the wards.
Then spend requests, approved, refused, committed and spent, bring the year to the paper's
utilisation: 82% of capital and 74% of revenue committed and spent.

``walk_meeting_to_money_spent`` records a ward meeting whose decision allocates money, and follows its
spend request through the approver and finance, printing the trace id of the meeting's request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from shared.auth import issue_token
from shared.calendar import FinancialYear, today_in_london
from shared.demo import OFFICER, Demo, say
from shared.settings import Settings

REVENUE_TOTAL_PENCE = 3_000_000  # £30,000 (2017/18)
CAPITAL_TOTAL_PENCE = 21_000_000  # £210,000 (2017/18)
COUNCILLORS = 59  # Rotherham's councillors since the May 2021 elections: 9 three-member and 16 two-member wards
CAPITAL_USED, REVENUE_USED = 82, 74  # per cent committed and spent in 2017/18 (IPSC, 20 September 2018)

# (what, spent or only committed) — a ward's capital and revenue spending in the year, in the paper's words.
CAPITAL_ITEMS = ("CCTV camera for the ward's hot spot", "Planters and benches on the high street")
REVENUE_ITEMS = ("Community clear-up and litter-picking kit", "Residents' engagement events")

APPROVER = {"name": "Assistant Director, Housing and Neighbourhood Services", "email": "ad.neighbourhoods@example.org"}

Say = Callable[[str], None]


async def load_demo_data(demo: Demo) -> list[str]:
    officer = demo.as_("officer", **OFFICER)
    wards = await demo.ok("GET", "wards", "/v1/wards?limit=500", headers=officer)
    admin = demo.as_("admin", subject="system:demo-data")
    republished = await demo.ok("POST", "wards", "/v1/wards:republish", headers=admin)
    lines = [f"wards: {len(wards['items'])} Rotherham wards (WD24) loaded; {republished['published']} published"]
    return lines + await load_wards_demo_data(demo.client, demo.settings, demo.urls["wards"])


async def scenario(demo: Demo) -> int:
    """A ward meeting's decision to money spent; 1 if it could not be walked."""
    say("Wards: a ward meeting decides to spend; the approver approves; finance records it spent")
    try:
        trace_id = await walk_meeting_to_money_spent(
            demo.client, demo.settings, demo.urls["wards"], lambda line: print(line, flush=True)
        )
    except RuntimeError as exc:
        say("The ward meeting's decision could not be walked to money spent", str(exc))
        return 1
    say("The meeting's trace", f"trace id {trace_id}: the meeting, its spend request, and the emails they raise")
    return 0


class WardsApi:
    """The wards API with development tokens for whoever is acting."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings, base_url: str) -> None:
        self.client, self.settings, self.base_url = client, settings, base_url

    def as_(self, role: str, subject: str) -> dict[str, str]:
        jwt = issue_token(
            self.settings, subject=subject, council=Demo.council, roles=[role], organisation="Rotherham MBC"
        )
        return {"Authorization": f"Bearer {jwt}"}

    @property
    def officer(self) -> dict[str, str]:
        return self.as_("officer", "neighbourhoods@rotherham.gov.uk")

    @property
    def approver(self) -> dict[str, str]:
        # The paper's approver: the Assistant Director of Housing and Neighbourhood Services.
        return self.as_("approver", "ad-housing-neighbourhoods@rotherham.gov.uk")

    @property
    def finance(self) -> dict[str, str]:
        return self.as_("finance", "finance@rotherham.gov.uk")

    async def call(self, method: str, path: str, headers: dict[str, str], json: Any = None) -> httpx.Response:
        return await self.client.request(method, f"{self.base_url}{path}", headers=headers, json=json)

    async def ok(self, method: str, path: str, headers: dict[str, str], json: Any = None) -> Any:
        response = await self.call(method, path, headers, json)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} wards{path} → {response.status_code}: {response.text}")
        return response.json()

    async def spend(self, budget_id: str, amount_pence: int, purpose: str, *, capital: bool) -> dict[str, Any]:
        body = {"budget_id": budget_id, "amount_pence": amount_pence, "purpose": purpose, "capital_item": capital}
        request: dict[str, Any] = await self.ok("POST", "/v1/spend-requests", self.officer, body)
        return request

    async def budgets(self, year: str) -> list[dict[str, Any]]:
        page = await self.ok("GET", f"/v1/budgets?financial_year={year}&limit=500", self.officer)
        return list(page["items"])


def demo_year(today: date | None = None) -> FinancialYear:
    return FinancialYear.of(today or today_in_london())


async def load_wards_demo_data(client: httpx.AsyncClient, settings: Settings, base_url: str) -> list[str]:
    """Members, the year's budgets and a year of spending; loading again changes nothing."""
    api = WardsApi(client, settings, base_url)
    year = demo_year()
    wards = sorted(w["gss_code"] for w in (await api.ok("GET", "/v1/wards?limit=500", api.officer))["items"])
    lines = [await _elect_members(api, wards)]
    answer = await api.call(
        "POST",
        f"/v1/budgets/{year.label}",
        api.officer,
        {"revenue_total_pence": REVENUE_TOTAL_PENCE, "capital_total_pence": CAPITAL_TOTAL_PENCE},
    )
    if answer.status_code == 409:
        lines.append(f"wards: {year.label} budgets already set")
        return lines
    if answer.status_code != 201:
        raise RuntimeError(f"POST wards/v1/budgets/{year.label} → {answer.status_code}: {answer.text}")
    lines.append(
        f"wards: {year.label} budgets set: £1,000 CLF for each of {COUNCILLORS} members, £30,000 revenue and "
        f"£210,000 capital shared across {len(wards)} wards"
    )
    lines.append(await _spend_a_year(api, year))
    return lines


async def _elect_members(api: WardsApi, wards: list[str]) -> str:
    elected = 0
    for index, gss_code in enumerate(wards):
        members = await api.ok("GET", f"/v1/wards/{gss_code}/members", api.officer)
        if members["items"]:
            continue
        for seat in range(3 if index < 9 else 2):
            body = {
                "name": f"Councillor {seat + 1} of ward {gss_code}",
                "email": f"member.{seat + 1}.{gss_code.lower()}@example.org",
                "term_starts_on": "2021-05-06",
                "subject": f"cllr-{seat + 1}-{gss_code.lower()}",
            }
            await api.ok("POST", f"/v1/wards/{gss_code}/members", api.officer, body)
            elected += 1
    return f"wards: {elected} elected members recorded" if elected else "wards: elected members already there"


async def _spend_a_year(api: WardsApi, year: FinancialYear) -> str:
    """A member of the first ward pools £500 of their CLF into its revenue budget and ten members spend some
    of theirs; then each ward commits and spends the paper's share of its capital and revenue, and a few
    requests are refused or cancelled."""
    counts = {"spent": 0, "committed": 0, "refused": 0, "cancelled": 0}
    clfs = [b for b in await api.budgets(year.label) if b["kind"] == "clf"]
    pooled = clfs[0]
    await api.ok("POST", f"/v1/budgets/{pooled['id']}/pool", api.officer, {"amount_pence": 50_000})
    for clf in clfs[1:11]:
        request = await api.spend(clf["id"], 40_000, "Room hire for a residents' drop-in", capital=False)
        await api.ok("POST", f"/v1/spend-requests/{request['id']}/approve", api.approver)
        await api.ok("POST", f"/v1/spend-requests/{request['id']}/spent", api.finance, {"spent_pence": 40_000})
    budgets = await api.budgets(year.label)
    ward_budgets = [b for b in budgets if b["kind"] in ("capital", "revenue")]
    for index, budget in enumerate(sorted(ward_budgets, key=lambda b: (b["gss_code"], b["kind"]))):
        capital = budget["kind"] == "capital"
        used = budget["total_pence"] * (CAPITAL_USED if capital else REVENUE_USED) // 100
        items = CAPITAL_ITEMS if capital else REVENUE_ITEMS
        first, second = used * 2 // 3, used - used * 2 // 3
        for amount, purpose, spend_it in ((first, items[0], True), (second, items[1], index % 4 != 0)):
            request = await api.spend(budget["id"], amount, purpose, capital=capital)
            await api.ok("POST", f"/v1/spend-requests/{request['id']}/approve", api.approver)
            if spend_it:
                await api.ok("POST", f"/v1/spend-requests/{request['id']}/spent", api.finance, {"spent_pence": amount})
            counts["spent" if spend_it else "committed"] += 1
        if index % 10 == 0:
            extra = await api.spend(budget["id"], 1_000, "Hospitality for a ward surgery", capital=capital)
            await api.ok(
                "POST",
                f"/v1/spend-requests/{extra['id']}/refuse",
                api.approver,
                {"reason": "Hospitality is not funded from devolved budgets"},
            )
            counts["refused"] += 1
        if index % 10 == 5:
            extra = await api.spend(budget["id"], 500, "Stall at the summer gala", capital=capital)
            await api.ok("POST", f"/v1/spend-requests/{extra['id']}/cancel", api.officer, {"reason": "Gala rained off"})
            counts["cancelled"] += 1
    return (
        f"wards: {year.label} spend requests: {counts['spent']} spent, {counts['committed']} committed, "
        f"{counts['refused']} refused, {counts['cancelled']} cancelled; 10 members spent £400 of their CLF; £500 of "
        f"a CLF pooled into ward {pooled['gss_code']}'s revenue budget"
    )


async def walk_meeting_to_money_spent(
    client: httpx.AsyncClient, settings: Settings, base_url: str, say: Say = print
) -> str:
    """A ward meeting decides to spend; the approver approves; finance records it spent, for a little less.
    Returns the trace id of the meeting's request (it follows the spend request's events through the outbox)."""
    api = WardsApi(client, settings, base_url)
    year = demo_year()
    revenue = [b for b in await api.budgets(year.label) if b["kind"] == "revenue"]
    if not revenue:
        raise RuntimeError(f"No {year.label} ward budgets: load the demo data (make up) first.")
    budget = max(revenue, key=lambda b: (b["available_pence"], b["gss_code"]))
    amount = min(25_000, budget["available_pence"])
    if amount <= 0:
        raise RuntimeError(f"Every ward's {year.label} revenue budget is used up.")
    # Whoever approves is emailed by notifications when the request awaits them; the members once decided.
    await api.ok("PUT", "/v1/spend-approvers", api.officer, [APPROVER])
    trace_id = secrets.token_hex(16)
    meeting = await api.call(
        "POST",
        f"/v1/wards/{budget['gss_code']}/meetings",
        {**api.officer, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        {
            "held_on": today_in_london().isoformat(),
            "other_attendees": 12,
            "decisions": [
                {"text": "Litter-picking kit for the park's friends group", "budget_allocation_pence": amount},
                {"text": "Ask the police to deploy the mobile CCTV camera to the park"},
            ],
            "minutes": "Members and officers reviewed the ward plan and agreed two decisions.",
        },
    )
    if meeting.status_code != 201:
        raise RuntimeError(f"POST wards/meetings → {meeting.status_code}: {meeting.text}")
    trace_id = meeting.headers.get("x-trace-id", trace_id)
    held = meeting.json()
    say(
        f"A ward meeting of {budget['gss_code']} allocates £{amount / 100:,.2f} from its revenue budget  (trace id {trace_id})"
    )
    (request,) = (await api.ok("GET", f"/v1/spend-requests?meeting_id={held['id']}", api.officer))["items"]
    say(
        f"  its decision is spend request {request['id']}: {request['status']}, £{amount / 100:,.2f} held; "
        f"the approver ({APPROVER['email']}) is emailed"
    )
    approved = await api.ok("POST", f"/v1/spend-requests/{request['id']}/approve", api.approver)
    say(f"  the Assistant Director approves it: {approved['status']}")
    spent_pence = amount - amount // 10
    spent = await api.ok("POST", f"/v1/spend-requests/{request['id']}/spent", api.finance, {"spent_pence": spent_pence})
    say(f"  finance records £{spent['spent_pence'] / 100:,.2f} spent; £{(amount - spent_pence) / 100:,.2f} released")
    ledger = await api.ok("GET", f"/v1/budgets/{budget['id']}", api.officer)
    say(
        f"  the ward's revenue budget: £{ledger['total_pence'] / 100:,.2f}, spent £{ledger['spent_pence'] / 100:,.2f}, "
        f"committed £{ledger['committed_pence'] / 100:,.2f}, available £{ledger['available_pence'] / 100:,.2f}"
    )
    for row in await api.ok("GET", f"/v1/budgets/utilisation?financial_year={year.label}", api.officer):
        say(f"  {year.label} {row['kind']:<8} committed and spent: {row['utilisation_percent']}% council-wide")
    return str(trace_id)
