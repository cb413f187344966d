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

``load_neighbourhood_demo_data`` gives neighbourhood working the rest of the paper: localities with their
partner champions, a cluster, a ward plan published and refreshed, a year of quarterly updates with one
missed, resident engagement and a place profile with its community assets.

``walk_meeting_to_money_spent`` records a ward meeting whose decision allocates money, and follows its
spend request through the approver and finance, printing the trace id of the meeting's request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
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
    lines += await load_wards_demo_data(demo.client, demo.settings, demo.urls["wards"])
    return lines + await load_neighbourhood_demo_data(demo.client, demo.settings, demo.urls["wards"])


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


# --- Neighbourhood working: localities, a cluster, a ward plan, updates, engagement, a place profile ----

COUNCIL_PLAN_THEMES = (  # Rotherham's Council Plan 2017-2020 priorities
    "Every child making the best start in life",
    "Every adult secure, responsible and empowered",
    "A strong community in a clean, safe environment",
    "Extending opportunity, prosperity and planning for the future",
)
# "multi-agency working in north, central and south areas each led by a partner 'champion' from health,
# police and the Council" (IPSC, September 2018); the champions' names are illustrative.
CHAMPIONS = {
    "north": ("Locality champion (north)", "Rotherham Clinical Commissioning Group", "health"),
    "central": ("Locality champion (central)", "South Yorkshire Police", "police"),
    "south": ("Locality champion (south)", "Rotherham Metropolitan Borough Council", "council"),
}
PLAN_WARD = "E05012996"  # Boston Castle
TOWN_CENTRE = ("E05012996", "E05013010", "E05013011")  # Boston Castle, Rotherham East, Rotherham West


def _plan(period: str, priorities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "period": period,
        "priorities": priorities,
        "engagement_strategy": (
            "Monthly ward surgeries at the community centre, a quarterly ward newsletter, a stall at the "
            "summer gala, and a residents' survey before each refresh of the plan."
        ),
    }


async def load_neighbourhood_demo_data(client: httpx.AsyncClient, settings: Settings, base_url: str) -> list[str]:
    """Localities with champions, a cluster, Boston Castle's plan published and refreshed, last year's
    quarterly updates with the third missed, resident engagement and a place profile with its assets.
    The demo's grant joins the profile by itself when grants awards it. Loading again changes nothing."""
    api = WardsApi(client, settings, base_url)
    plans = f"/v1/wards/{PLAN_WARD}/plans"
    if await api.ok("GET", plans, api.officer):
        return ["wards: neighbourhood working (localities, cluster, plan, updates, engagement, profile) already there"]
    await api.ok("PUT", "/v1/council-themes", api.officer, {"themes": list(COUNCIL_PLAN_THEMES)})
    wards = (await api.ok("GET", "/v1/wards?limit=500", api.officer))["items"]
    by_north = sorted(wards, key=lambda w: -(w["latitude"] or 0))
    third = -(-len(by_north) // 3)
    for index, locality in enumerate(("north", "central", "south")):
        name, organisation, sector = CHAMPIONS[locality]
        codes = [w["gss_code"] for w in by_north[index * third : (index + 1) * third]]
        body = {"champion_name": name, "champion_organisation": organisation, "champion_sector": sector}
        await api.ok("PUT", f"/v1/localities/{locality}", api.officer, body | {"gss_codes": codes})
    await api.ok(
        "POST",
        "/v1/clusters",
        api.officer,
        {
            "name": "Rotherham town centre",
            "purpose": "Joint work on the town centre's night-time economy and anti-social behaviour",
            "gss_codes": list(TOWN_CENTRE),
        },
    )
    lines = ["wards: three localities with their partner champions; the town-centre cluster of three wards"]
    lines += await _plan_and_its_refresh(api, plans)
    lines.append(await _a_year_of_updates(api))
    lines.append(await _engagement_and_profile(api))
    return lines


async def _plan_and_its_refresh(api: WardsApi, plans: str) -> list[str]:
    first = [
        {
            "title": "Tackle fly-tipping and litter in the back lanes",
            "council_theme": COUNCIL_PLAN_THEMES[2],
            "actions": [
                {"title": "Two community clear-ups a year", "lead": "Community Protection"},
                {"title": "Deploy the mobile CCTV camera to the worst hot spots", "lead": "South Yorkshire Police"},
            ],
        },
        {
            "title": "Activities for young people in the school holidays",
            "council_theme": COUNCIL_PLAN_THEMES[0],
            "actions": [{"title": "A holiday programme with the youth service", "lead": "Early Help"}],
        },
    ]
    await api.ok("POST", plans, api.officer, _plan("2018-2020", first))
    published = await api.ok("POST", f"{plans}/1/publish", api.officer)
    kept = [{k: p[k] for k in ("id", "title", "council_theme", "actions")} for p in published["priorities"]]
    refreshed = [
        *kept,
        {
            "title": "Help residents into work and training",
            "council_theme": COUNCIL_PLAN_THEMES[3],
            "actions": [{"title": "A jobs fair at the community centre", "lead": "Employment Solutions"}],
        },
    ]
    await api.ok("POST", plans, api.officer, _plan("2019-2021", refreshed))
    await api.ok("POST", f"{plans}/2/publish", api.officer)
    return ["wards: Boston Castle's ward plan published, then refreshed (version 2 public, version 1 still readable)"]


async def _a_year_of_updates(api: WardsApi) -> str:
    last_year = demo_year().previous
    for quarter in (1, 2, 4):  # the third quarter's update was never sent
        body = {
            "financial_year": last_year.label,
            "quarter": quarter,
            "progress": f"Quarter {quarter}: the ward plan's actions are on track.",
            "spend_pence": 150_000 * quarter,
            "issues": ["Fly-tipping behind the shops"] if quarter == 2 else [],
        }
        await api.ok("POST", f"/v1/wards/{PLAN_WARD}/quarterly-updates", api.officer, body)
    return (
        f"wards: Boston Castle's {last_year.label} quarterly updates to the Cabinet Member: Q1, Q2, Q4 sent, Q3 missed"
    )


async def _engagement_and_profile(api: WardsApi) -> str:
    today = today_in_london()
    plan = await api.ok("GET", f"/v1/wards/{PLAN_WARD}/plans/2", api.officer)
    priority = plan["priorities"][0]["id"]
    for kind, place, people, issues, days_ago in (
        ("ward_surgery", "Eastwood Village community centre", 18, ["Fly-tipping in the back lanes"], 40),
        ("community_event", "Clifton Park summer gala", 240, ["Speeding on Doncaster Road", "Litter"], 120),
        ("survey", "online", 312, ["Fly-tipping", "Street lighting"], 200),
    ):
        body = {
            "kind": kind,
            "held_on": (today - timedelta(days=days_ago)).isoformat(),
            "place": place,
            "people_reached": people,
            "issues_raised": issues,
            "priority_id": priority,
        }
        await api.ok("POST", f"/v1/wards/{PLAN_WARD}/engagements", api.officer, body)
    profile = {  # illustrative figures, in the shape the 2011 strategy uses (IMD rank and decile)
        "population": 11_900,
        "age_bands": {"0-15": 2_500, "16-64": 7_600, "65+": 1_800},
        "imd_rank": 1_150,
        "imd_decile": 1,
        "imd_edition": "IMD 2019",
        "summary": "The town-centre ward: Eastwood, Clifton and Boston Park; among England's most deprived areas.",
    }
    await api.ok("PUT", f"/v1/wards/{PLAN_WARD}/profile", api.officer, profile)
    for organisation, service, location, postcode in (
        ("Clifton Learning Partnership", "Family learning and advice", "Clifton Learning Centre", "S65 2AJ"),
        ("Voluntary Action Rotherham", "Help for community groups to apply for funding", "The Spectrum", "S65 1EN"),
    ):
        await api.ok(
            "POST",
            f"/v1/wards/{PLAN_WARD}/profile/assets",
            api.officer,
            {
                "organization": {"name": organisation},
                "service": {"name": service},
                "location": {"name": location, "postal_code": postcode},
            },
        )
    return (
        "wards: 3 resident engagement records and Boston Castle's place profile (IMD decile 1, 2 community assets); "
        f"public at /v1/public/wards/{PLAN_WARD}/profile and /v1/public/wards/{PLAN_WARD}/plan"
    )
