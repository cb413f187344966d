"""Devolved budgets and spending against the real database and broker (Thriving Neighbourhoods, 2018):
a year's budgets set once, the CLF rule when members come and go, pooling, spend requests through the
approver and finance, no budget over-committed under 50 concurrent requests, a meeting's decision
becoming its spend request, utilisation summed in the database, and who may do what."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.actions.app import definition as actions_definition
from services.wards.app import definition
from shared.calendar import FinancialYear, today_in_london
from shared.messaging.rpc import NotFound
from shared.procedures import SPEND_CONTACTS, MemberContact, SpendContacts, SpendContactsRequest
from shared.settings import Settings
from tests.support import COUNCIL, OTHER_COUNCIL, eventually, running_service, token

BOSTON_CASTLE, KEPPEL = "E05012996", "E05013001"
YEAR = "2024-25"  # WD24 is in force from the May 2021 elections: it shares from 2022-23
WD24_FIRST_SEVEN = ["E05012993", "E05012994", "E05012995", "E05012996", "E05012997", "E05012998", "E05012999"]


@dataclass
class Wards:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    def as_(self, *roles: str, **claims: Any) -> dict[str, str]:
        return token(self.settings, *roles, **claims)

    @property
    def officer(self) -> dict[str, str]:
        return self.as_("officer", subject="officer-1")

    @property
    def approver(self) -> dict[str, str]:
        return self.as_("approver", subject="assistant-director")

    @property
    def finance(self) -> dict[str, str]:
        return self.as_("finance", subject="finance-1")

    async def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.app.state.runtime.engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(query), params)).all()]

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        rows = await self.sql("SELECT envelope FROM outbox WHERE event_type = :t ORDER BY seq", t=event_type)
        return [envelope for (envelope,) in rows]

    async def ok(self, method: str, path: str, headers: dict[str, str], json: Any = None, status: int = 200) -> Any:
        response = await self.client.request(method, path, headers=headers, json=json)
        assert response.status_code == status, response.text
        return response.json()

    async def elect(self, gss_code: str = BOSTON_CASTLE, **overrides: Any) -> dict[str, Any]:
        body = {"name": "Cllr A. Member", "email": "a.member@example.org"} | overrides
        return await self.ok("POST", f"/v1/wards/{gss_code}/members", self.officer, body, 201)

    async def set_budgets(self, year: str = YEAR, **totals: int) -> dict[str, Any]:
        body = {"revenue_total_pence": 3_000_000, "capital_total_pence": 21_000_000} | totals
        return await self.ok("POST", f"/v1/budgets/{year}", self.officer, body, 201)

    async def budget(self, gss_code: str, kind: str, year: str = YEAR, member_id: str | None = None) -> dict[str, Any]:
        page = await self.ok("GET", f"/v1/budgets?financial_year={year}&gss_code={gss_code}&kind={kind}", self.officer)
        (found,) = [b for b in page["items"] if b["member_id"] == member_id]
        return dict(found)

    async def request(self, budget_id: str, amount: int, headers: dict[str, str] | None = None, **more: Any) -> Any:
        body = {"budget_id": budget_id, "amount_pence": amount, "purpose": "Litter-picking kit"} | more
        return await self.client.post("/v1/spend-requests", json=body, headers=headers or self.officer)

    async def ledger_balances(self, budget_id: str) -> bool:
        """The budget's held, committed and spent columns are the sums of its requests, and within its total."""
        ((held, committed, spent, total),) = await self.sql(
            "SELECT held_pence, committed_pence, spent_pence, allocated_pence + pooled_in_pence - pooled_out_pence"
            " FROM ward_budgets WHERE id = :id",
            id=budget_id,
        )
        ((requests_held, requests_committed, requests_spent),) = await self.sql(
            "SELECT coalesce(sum(amount_pence) FILTER (WHERE status = 'awaiting_approval'), 0),"
            "       coalesce(sum(amount_pence) FILTER (WHERE status = 'committed'), 0),"
            "       coalesce(sum(spent_pence) FILTER (WHERE status = 'spent'), 0)"
            " FROM spend_requests WHERE budget_id = :id",
            id=budget_id,
        )
        return (held, committed, spent) == (requests_held, requests_committed, requests_spent) and (
            held + committed + spent <= total
        )


@pytest.fixture
async def wards(settings_for_test) -> AsyncIterator[Wards]:
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):
        w = Wards(app, client, settings)
        await eventually(lambda: _reference_loaded(w))
        yield w


async def _reference_loaded(w: Wards) -> bool:
    return await w.sql("SELECT (SELECT count(*) FROM wards), (SELECT count(*) FROM boundary_sets)") == [(25, 1)]


def is_problem(response: httpx.Response, status: int, title: str | None = None) -> bool:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return title is None or response.json()["title"] == title


# --- A year's budgets ---------------------------------------------------------------------------------


async def test_a_years_budgets_are_shared_evenly_in_pence_with_the_remainder_recorded_and_set_once(wards: Wards):
    first = await wards.elect(name="Cllr A. Member")
    second = await wards.elect(gss_code=KEPPEL, name="Cllr K. Member")

    year = await wards.set_budgets(revenue_total_pence=3_000_007, capital_total_pence=21_000_000)

    revenue, capital = year["sharings"]
    assert (revenue["kind"], revenue["ward_count"], revenue["share_pence"], revenue["remainder_pence"]) == (
        "revenue",
        25,
        120_000,
        7,
    )
    assert revenue["remainder_wards"] == WD24_FIRST_SEVEN
    assert (capital["share_pence"], capital["remainder_pence"], capital["remainder_wards"]) == (840_000, 0, [])
    assert await wards.sql(
        "SELECT kind, sum(allocated_pence), count(*) FROM ward_budgets WHERE financial_year = :y GROUP BY kind"
        " ORDER BY kind",
        y=YEAR,
    ) == [("capital", 21_000_000, 25), ("clf", 200_000, 2), ("revenue", 3_000_007, 25)]  # nothing lost
    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["allocated_pence"] == 120_001
    assert (await wards.budget(KEPPEL, "revenue"))["allocated_pence"] == 120_000
    assert (await wards.budget(KEPPEL, "clf", member_id=second["id"]))["allocated_pence"] == 100_000
    assert (await wards.budget(BOSTON_CASTLE, "clf", member_id=first["id"]))["available_pence"] == 100_000

    shared = await wards.events("wards.budget.shared.v1")
    assert [e["data"]["remainder_wards"] for e in shared] == [WD24_FIRST_SEVEN, []]
    assert len(await wards.events("wards.budget.allocated.v1")) == 52
    assert "example.org" not in str(await wards.events("wards.budget.allocated.v1"))

    again = await wards.client.post(
        f"/v1/budgets/{YEAR}", json={"revenue_total_pence": 1, "capital_total_pence": 1}, headers=wards.officer
    )
    assert is_problem(again, 409, "Budgets already set")
    assert await wards.sql("SELECT count(*) FROM ward_budgets") == [(52,)]
    assert len(await wards.events("wards.budget.shared.v1")) == 2


async def test_budgets_are_shared_across_the_boundary_set_in_force_on_1_april(wards: Wards):
    # WD24 came in at the May 2021 elections: 2021-22 began under the old wards, which are not recorded here.
    refused = await wards.client.post(
        "/v1/budgets/2021-22", json={"revenue_total_pence": 1, "capital_total_pence": 1}, headers=wards.officer
    )
    assert is_problem(refused, 409, "No boundary set in force")
    assert await wards.sql("SELECT count(*) FROM budget_years") == [(0,)]
    assert (await wards.set_budgets("2022-23"))["sharings"][0]["boundary_set"] == "WD24"

    # The council corrects the day its set came into force; a year before it is refused again.
    await wards.ok("PUT", "/v1/boundary-sets/WD24", wards.officer, {"in_force_from": "2023-05-04"})
    assert is_problem(
        await wards.client.post(
            "/v1/budgets/2023-24", json={"revenue_total_pence": 1, "capital_total_pence": 1}, headers=wards.officer
        ),
        409,
    )
    assert [e["data"] for e in await wards.events("wards.boundary_set.recorded.v1")][-1] == {
        "code": "WD24",
        "in_force_from": "2023-05-04",
    }


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"/v1/budgets/{YEAR}", {"revenue_total_pence": -1, "capital_total_pence": 0}, "revenue_total_pence"),
        (f"/v1/budgets/{YEAR}", {"revenue_total_pence": 0, "capital_total_pence": 10**12}, "capital_total_pence"),
        (
            f"/v1/budgets/{YEAR}",
            {"revenue_total_pence": 0, "capital_total_pence": 0, "clf_per_member_pence": 1.5},
            "clf_per_member_pence",
        ),
        ("/v1/budgets/2024-2025", {"revenue_total_pence": 0, "capital_total_pence": 0}, "financial_year"),
        ("/v1/budgets/2024-26", {"revenue_total_pence": 0, "capital_total_pence": 0}, "did you mean 2024-25"),
    ],
)
async def test_bad_budget_input_is_a_problem_naming_what_is_wrong_and_changes_nothing(
    wards: Wards, path: str, body: dict[str, Any], field: str
):
    response = await wards.client.post(path, json=body, headers=wards.officer)
    assert is_problem(response, 422)
    assert field in response.json()["detail"]
    assert await wards.sql("SELECT count(*) FROM budget_years") == [(0,)]


async def test_a_member_elected_or_standing_down_mid_year_gets_the_clf_by_the_councils_rule(wards: Wards):
    leaving = await wards.elect(name="Cllr L. Leaving")
    await wards.set_budgets()
    clf = await wards.budget(BOSTON_CASTLE, "clf", member_id=leaving["id"])
    assert clf["allocated_pence"] == 100_000

    await wards.ok(
        "POST",
        f"/v1/wards/{BOSTON_CASTLE}/members/{leaving['id']}/stand-down",
        wards.officer,
        {"stood_down_on": "2024-10-01"},
    )
    arriving = await wards.elect(name="Cllr N. New", term_starts_on="2024-10-01")

    # 2024-25 has 365 days: 183 before 1 October, 182 from it; each rounded down to the penny.
    assert (await wards.budget(BOSTON_CASTLE, "clf", member_id=leaving["id"]))["allocated_pence"] == 50_136
    assert (await wards.budget(BOSTON_CASTLE, "clf", member_id=arriving["id"]))["allocated_pence"] == 49_863
    allocated = [e["data"] for e in await wards.events("wards.budget.allocated.v1") if e["data"]["kind"] == "clf"]
    assert [(d["member_id"], d["allocated_pence"]) for d in allocated] == [
        (leaving["id"], 100_000),
        (leaving["id"], 50_136),
        (arriving["id"], 49_863),
    ]


# --- Spending -----------------------------------------------------------------------------------------


async def test_a_spend_request_is_approved_committed_and_spent_for_less_releasing_the_rest(wards: Wards):
    await wards.set_budgets()
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")

    created = await wards.request(revenue["id"], 50_000)  # the priority it serves: see test_wards_plans
    assert created.status_code == 201, created.text
    request = created.json()
    assert (request["status"], request["requested_by"]) == ("awaiting_approval", "officer-1")
    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["held_pence"] == 50_000

    approved = await wards.ok("POST", f"/v1/spend-requests/{request['id']}/approve", wards.approver)
    assert (approved["status"], approved["decided_by"]) == ("committed", "assistant-director")
    spent = await wards.ok("POST", f"/v1/spend-requests/{request['id']}/spent", wards.finance, {"spent_pence": 45_000})
    assert (spent["status"], spent["spent_pence"]) == ("spent", 45_000)

    ledger = await wards.budget(BOSTON_CASTLE, "revenue")
    assert (ledger["held_pence"], ledger["committed_pence"], ledger["spent_pence"], ledger["available_pence"]) == (
        0,
        0,
        45_000,
        75_000,
    )
    assert await wards.ledger_balances(revenue["id"])
    events = {t: await wards.events(f"wards.spend_request.{t}.v1") for t in ("requested", "approved", "spent")}
    assert events["requested"][0]["data"] == {
        "spend_request_id": request["id"],
        "budget_id": revenue["id"],
        "gss_code": BOSTON_CASTLE,
        "financial_year": YEAR,
        "budget_kind": "revenue",
        "amount_pence": 50_000,
        "capital_item": False,
        "meeting_id": None,
    }
    assert events["approved"][0]["data"]["committed_pence"] == 50_000
    assert (events["spent"][0]["data"]["spent_pence"], events["spent"][0]["data"]["released_pence"]) == (45_000, 5_000)
    assert all(e["council"] == COUNCIL and e["subject"] == request["id"] for es in events.values() for e in es)

    # A spent request is spent: approving, spending or cancelling again is a 409 that changes nothing.
    for path, headers, body in (
        ("approve", wards.approver, None),
        ("spent", wards.finance, {"spent_pence": 1}),
        ("cancel", wards.officer, {"reason": "Too late"}),
    ):
        response = await wards.client.post(f"/v1/spend-requests/{request['id']}/{path}", json=body, headers=headers)
        assert is_problem(response, 409, "Illegal state")
    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["spent_pence"] == 45_000


async def test_refused_with_a_reason_or_cancelled_the_money_is_released(wards: Wards):
    await wards.set_budgets()
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")
    refused = (await wards.request(revenue["id"], 30_000)).json()
    cancelled = (await wards.request(revenue["id"], 20_000)).json()

    no_reason = await wards.client.post(f"/v1/spend-requests/{refused['id']}/refuse", json={}, headers=wards.approver)
    assert is_problem(no_reason, 422)
    assert "reason" in no_reason.json()["detail"]
    decided = await wards.ok(
        "POST", f"/v1/spend-requests/{refused['id']}/refuse", wards.approver, {"reason": "Not a ward plan priority"}
    )
    assert (decided["status"], decided["refusal_reason"]) == ("refused", "Not a ward plan priority")
    await wards.ok("POST", f"/v1/spend-requests/{cancelled['id']}/approve", wards.approver)
    await wards.ok(
        "POST", f"/v1/spend-requests/{cancelled['id']}/cancel", wards.officer, {"reason": "Supplier withdrew"}
    )

    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["available_pence"] == 120_000
    assert await wards.ledger_balances(revenue["id"])
    assert [e["data"]["released_pence"] for e in await wards.events("wards.spend_request.refused.v1")] == [30_000]
    assert [e["data"]["released_pence"] for e in await wards.events("wards.spend_request.cancelled.v1")] == [20_000]
    assert "Not a ward plan priority" not in str(await wards.events("wards.spend_request.refused.v1"))


async def test_bad_spend_input_is_a_problem_naming_what_is_wrong_and_changes_nothing(wards: Wards):
    await wards.set_budgets()
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")
    capital = await wards.budget(BOSTON_CASTLE, "capital")
    for response, status, field in (
        (await wards.request(revenue["id"], 0), 422, "amount_pence"),
        (await wards.request(revenue["id"], 10**12), 422, "amount_pence"),
        (await wards.request(revenue["id"], 100, purpose=""), 422, "purpose"),
        (await wards.request("no-such-budget", 100), 404, "no-such-budget"),
        (await wards.request(revenue["id"], 120_001), 409, "120000"),
        (await wards.request(capital["id"], 100, capital_item=False), 422, "capital"),
    ):
        assert is_problem(response, status)
        assert field in response.json()["detail"], response.json()
    request = (await wards.request(revenue["id"], 10_000)).json()
    await wards.ok("POST", f"/v1/spend-requests/{request['id']}/approve", wards.approver)
    too_much = await wards.client.post(
        f"/v1/spend-requests/{request['id']}/spent", json={"spent_pence": 10_001}, headers=wards.finance
    )
    assert is_problem(too_much, 422, "Invalid spend request")
    assert await wards.sql("SELECT status FROM spend_requests") == [("committed",)]
    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["committed_pence"] == 10_000
    assert len(await wards.events("wards.spend_request.requested.v1")) == 1
    # Capital money buys capital items.
    assert (await wards.request(capital["id"], 100, capital_item=True)).status_code == 201


async def test_fifty_concurrent_requests_against_room_for_ten_exactly_ten_succeed_and_the_ledger_balances(
    wards: Wards,
):
    await wards.set_budgets()
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")  # £1,200: room for ten requests of £120
    responses = await asyncio.gather(*(wards.request(revenue["id"], 12_000) for _ in range(50)))

    assert sorted(r.status_code for r in responses) == [201] * 10 + [409] * 40
    assert all(r.json()["title"] == "Budget exceeded" for r in responses if r.status_code == 409)
    ledger = await wards.budget(BOSTON_CASTLE, "revenue")
    assert (ledger["held_pence"], ledger["available_pence"]) == (120_000, 0)
    assert await wards.sql("SELECT count(*), sum(amount_pence) FROM spend_requests") == [(10, 120_000)]
    assert len(await wards.events("wards.spend_request.requested.v1")) == 10
    assert await wards.ledger_balances(revenue["id"])

    # And fifty concurrent approvals of the ten: each approved once, the ledger still balancing.
    ids = [r.json()["id"] for r in responses if r.status_code == 201]
    approvals = await asyncio.gather(
        *(wards.client.post(f"/v1/spend-requests/{i}/approve", headers=wards.approver) for i in ids * 5)
    )
    assert sorted(r.status_code for r in approvals) == [200] * 10 + [409] * 40
    ledger = await wards.budget(BOSTON_CASTLE, "revenue")
    assert (ledger["held_pence"], ledger["committed_pence"]) == (0, 120_000)
    assert await wards.ledger_balances(revenue["id"])


async def test_the_database_itself_refuses_a_ledger_held_beyond_its_budget(wards: Wards):
    """The row lock keeps handlers within the room; the table's check is the backstop for anything else."""
    await wards.set_budgets()
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")
    with pytest.raises(IntegrityError, match="never_overcommitted"):
        async with wards.app.state.runtime.engine.begin() as conn:
            await conn.execute(
                text("UPDATE ward_budgets SET committed_pence = 120001 WHERE id = :id"), {"id": revenue["id"]}
            )
    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["committed_pence"] == 0


# --- Pooling ------------------------------------------------------------------------------------------


async def test_a_member_pools_their_own_clf_into_the_ward_budget_and_the_money_keeps_its_origin(wards: Wards):
    mine = await wards.elect(name="Cllr A. Member", subject="cllr-a")
    theirs = await wards.elect(name="Cllr B. Member", subject="cllr-b")
    await wards.set_budgets()
    my_clf = await wards.budget(BOSTON_CASTLE, "clf", member_id=mine["id"])
    their_clf = await wards.budget(BOSTON_CASTLE, "clf", member_id=theirs["id"])
    me = wards.as_("ward_member", subject="cllr-a", wards=[BOSTON_CASTLE])

    pooled = await wards.ok("POST", f"/v1/budgets/{my_clf['id']}/pool", me, {"amount_pence": 40_000})
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")
    assert (pooled["from_budget_id"], pooled["to_budget_id"], pooled["member_id"]) == (
        my_clf["id"],
        revenue["id"],
        mine["id"],
    )
    assert (revenue["allocated_pence"], revenue["pooled_in_pence"], revenue["total_pence"]) == (
        120_000,
        40_000,
        160_000,
    )
    clf = await wards.budget(BOSTON_CASTLE, "clf", member_id=mine["id"])
    assert (clf["pooled_out_pence"], clf["available_pence"]) == (40_000, 60_000)
    ((event,),) = [await wards.events("wards.budget.pooled.v1")]
    assert event["data"] == {
        "pooling_id": pooled["id"],
        "gss_code": BOSTON_CASTLE,
        "financial_year": YEAR,
        "from_budget_id": my_clf["id"],
        "to_budget_id": revenue["id"],
        "member_id": mine["id"],
        "amount_pence": 40_000,
    }

    # Another member's CLF is theirs to pool; more than the CLF has is refused; nothing changes.
    assert is_problem(
        await wards.client.post(f"/v1/budgets/{their_clf['id']}/pool", json={"amount_pence": 1}, headers=me), 403
    )
    over = await wards.client.post(f"/v1/budgets/{my_clf['id']}/pool", json={"amount_pence": 60_001}, headers=me)
    assert is_problem(over, 409, "Budget exceeded")
    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["pooled_in_pence"] == 40_000
    # An officer records the pooling another member agreed.
    await wards.ok("POST", f"/v1/budgets/{their_clf['id']}/pool", wards.officer, {"amount_pence": 100_000})
    assert (await wards.budget(BOSTON_CASTLE, "revenue"))["total_pence"] == 260_000
    # The ward budget's pooled money keeps its origin: whose CLF, how much.
    origins = await wards.ok("GET", f"/v1/budgets/{revenue['id']}/poolings", me)
    assert [(p["from_budget_id"], p["member_id"], p["amount_pence"]) for p in origins] == [
        (my_clf["id"], mine["id"], 40_000),
        (their_clf["id"], theirs["id"], 100_000),
    ]


# --- A meeting's decisions are its spend requests -----------------------------------------------------


async def test_a_meeting_decision_allocating_money_creates_its_spend_request_or_the_meeting_is_refused(wards: Wards):
    today = today_in_london()
    year = FinancialYear.of(today).label
    path = f"/v1/wards/{BOSTON_CASTLE}/meetings"
    meeting = {
        "held_on": today.isoformat(),
        "decisions": [
            {"text": "Clean-up day at the park", "budget_allocation_pence": 50_000},
            {
                "text": "Speed indicator signs",
                "budget_allocation_pence": 400_000,
                "budget_kind": "capital",
                "capital_item": True,
            },
            {"text": "Make fly-tipping the first priority"},
        ],
    }
    # Before the year's budgets are set, a decision allocating money has no budget: the meeting is refused.
    no_budget = await wards.client.post(path, json=meeting, headers=wards.officer)
    assert is_problem(no_budget, 404, "Budget not found")
    assert await wards.sql("SELECT count(*) FROM ward_meetings") == [(0,)]

    await wards.set_budgets(year)
    member = wards.as_("ward_member", subject="cllr-a", wards=[BOSTON_CASTLE])
    held = await wards.ok("POST", path, member, meeting, 201)
    assert [d["budget_kind"] for d in held["decisions"]] == ["revenue", "capital", None]

    requests = await wards.ok("GET", f"/v1/spend-requests?meeting_id={held['id']}", wards.officer)
    assert [
        (r["purpose"], r["budget_kind"], r["amount_pence"], r["decision_position"], r["status"], r["requested_by"])
        for r in requests["items"]
    ] == [
        ("Clean-up day at the park", "revenue", 50_000, 0, "awaiting_approval", "cllr-a"),
        ("Speed indicator signs", "capital", 400_000, 1, "awaiting_approval", "cllr-a"),
    ]
    assert [e["data"]["meeting_id"] for e in await wards.events("wards.spend_request.requested.v1")] == [held["id"]] * 2
    assert (await wards.budget(BOSTON_CASTLE, "capital", year))["held_pence"] == 400_000

    # A decision beyond the budget's room, or capital for what is not a capital item: nothing of the meeting is kept.
    over = {
        **meeting,
        "decisions": [
            {"text": "A new park", "budget_allocation_pence": 500_000, "budget_kind": "capital", "capital_item": True}
        ],
    }
    assert is_problem(await wards.client.post(path, json=over, headers=wards.officer), 409, "Budget exceeded")
    gala = {**meeting, "decisions": [{"text": "Gala", "budget_allocation_pence": 100, "budget_kind": "capital"}]}
    assert is_problem(await wards.client.post(path, json=gala, headers=wards.officer), 422, "Not a capital item")
    assert await wards.sql("SELECT count(*) FROM ward_meetings") == [(1,)]
    assert await wards.sql("SELECT count(*) FROM spend_requests") == [(2,)]


# --- Utilisation --------------------------------------------------------------------------------------


async def test_utilisation_is_committed_and_spent_as_a_percent_of_each_budget_per_ward_locality_and_council(
    wards: Wards,
):
    boston, keppel = [await wards.ok("GET", f"/v1/wards/{code}", wards.officer) for code in (BOSTON_CASTLE, KEPPEL)]
    for ward in (boston, keppel):
        ward.pop("local_authority_gss")
    boston["locality"], keppel["locality"] = "central", "central"
    await wards.ok("POST", "/v1/wards", wards.officer, [boston, keppel], 201)
    await wards.set_budgets()

    async def spend(gss_code: str, kind: str, amount: int, spent: int | None) -> None:
        budget = await wards.budget(gss_code, kind)
        request = (await wards.request(budget["id"], amount, capital_item=kind == "capital")).json()
        await wards.ok("POST", f"/v1/spend-requests/{request['id']}/approve", wards.approver)
        if spent:
            await wards.ok("POST", f"/v1/spend-requests/{request['id']}/spent", wards.finance, {"spent_pence": spent})

    await spend(BOSTON_CASTLE, "capital", 600_000, 600_000)
    await spend(BOSTON_CASTLE, "capital", 88_800, None)  # committed, not yet spent: 82% of £8,400
    await spend(KEPPEL, "revenue", 90_000, 88_800)  # 74% of £1,200
    await wards.request((await wards.budget(KEPPEL, "revenue"))["id"], 10_000)  # held, awaiting: not counted

    partner = wards.as_("partner", organisation="South Yorkshire Police")
    by_ward = await wards.ok("GET", f"/v1/budgets/utilisation?financial_year={YEAR}&by=ward", partner)
    rows = {(r["scope"], r["kind"]): r for r in by_ward}
    assert len(rows) == 50
    assert rows[(BOSTON_CASTLE, "capital")] == {
        "scope": BOSTON_CASTLE,
        "kind": "capital",
        "total_pence": 840_000,
        "committed_pence": 88_800,
        "spent_pence": 600_000,
        "utilisation_percent": 82.0,
    }
    assert rows[(KEPPEL, "revenue")]["utilisation_percent"] == 74.0
    assert rows[(KEPPEL, "capital")]["utilisation_percent"] == 0.0

    by_locality = await wards.ok("GET", f"/v1/budgets/utilisation?financial_year={YEAR}&by=locality", partner)
    central = {r["kind"]: r["utilisation_percent"] for r in by_locality if r["scope"] == "central"}
    assert central == {"capital": 41.0, "revenue": 37.0}
    assert {r["scope"] for r in by_locality} == {"central", None}

    council = await wards.ok("GET", f"/v1/budgets/utilisation?financial_year={YEAR}", partner)
    assert [(r["scope"], r["kind"], r["committed_pence"] + r["spent_pence"], r["total_pence"]) for r in council] == [
        (COUNCIL, "capital", 688_800, 21_000_000),
        (COUNCIL, "revenue", 88_800, 3_000_000),
    ]
    assert await wards.ok("GET", "/v1/budgets/utilisation?financial_year=2030-31", partner) == []
    bad = await wards.client.get("/v1/budgets/utilisation?financial_year=2024&by=ward", headers=partner)
    assert is_problem(bad, 422)
    assert "financial_year" in bad.json()["detail"]


# --- Who may do what ----------------------------------------------------------------------------------


async def test_a_ward_member_asks_only_of_their_own_clf_in_their_own_wards(wards: Wards):
    mine = await wards.elect(name="Cllr A. Member", subject="cllr-a")
    theirs = await wards.elect(name="Cllr B. Member", subject="cllr-b")
    await wards.set_budgets()
    my_clf = await wards.budget(BOSTON_CASTLE, "clf", member_id=mine["id"])
    their_clf = await wards.budget(BOSTON_CASTLE, "clf", member_id=theirs["id"])
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")
    me = wards.as_("ward_member", subject="cllr-a", wards=[BOSTON_CASTLE])

    own = await wards.request(my_clf["id"], 25_000, me, purpose="Hall hire for a residents' meeting")
    assert own.status_code == 201, own.text
    assert (own.json()["member_id"], own.json()["requested_by"]) == (mine["id"], "cllr-a")

    assert is_problem(await wards.request(their_clf["id"], 100, me), 403, "Not your fund")
    assert is_problem(await wards.request(revenue["id"], 100, me), 403, "Not your fund")
    elsewhere = wards.as_("ward_member", subject="cllr-a", wards=[KEPPEL])
    assert is_problem(await wards.request(my_clf["id"], 100, elsewhere), 403, "Not your ward")
    unlinked = wards.as_("ward_member", subject="cllr-unknown", wards=[BOSTON_CASTLE])
    assert is_problem(await wards.request(my_clf["id"], 100, unlinked), 403, "Not your fund")
    assert await wards.sql("SELECT count(*) FROM spend_requests") == [(1,)]

    # The sign-in subject that links a member to their CLF is shown to officers only.
    members = await wards.ok("GET", f"/v1/wards/{BOSTON_CASTLE}/members", me)
    assert {m["subject"] for m in members["items"]} == {None}
    members = await wards.ok("GET", f"/v1/wards/{BOSTON_CASTLE}/members", wards.officer)
    assert {m["subject"] for m in members["items"]} == {"cllr-a", "cllr-b"}

    # They read their own wards' budgets and requests, not another ward's.
    page = await wards.ok("GET", f"/v1/budgets?financial_year={YEAR}", me)
    assert {b["gss_code"] for b in page["items"]} == {BOSTON_CASTLE}
    assert (await wards.ok("GET", "/v1/spend-requests", elsewhere))["items"] == []
    assert is_problem(await wards.client.get(f"/v1/spend-requests/{own.json()['id']}", headers=elsewhere), 403)
    keppel_budget = await wards.budget(KEPPEL, "revenue")
    assert is_problem(await wards.client.get(f"/v1/budgets/{keppel_budget['id']}", headers=me), 403)


async def test_each_role_does_only_its_part(wards: Wards):
    await wards.set_budgets()
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")
    request = (await wards.request(revenue["id"], 10_000)).json()
    decide = f"/v1/spend-requests/{request['id']}"
    everyone = ("officer", "finance", "approver", "ward_member", "partner", "applicant", "forum_member")

    def others(*allowed: str) -> list[dict[str, str]]:
        return [wards.as_(role, wards=[BOSTON_CASTLE]) for role in everyone if role not in allowed]

    # Only officers set budgets and record boundary sets; only the approver decides; only finance records spend.
    for headers in others("officer"):
        assert (
            await wards.client.post(
                "/v1/budgets/2025-26", json={"revenue_total_pence": 0, "capital_total_pence": 0}, headers=headers
            )
        ).status_code == 403
        assert (
            await wards.client.put("/v1/boundary-sets/WD24", json={"in_force_from": "2020-01-01"}, headers=headers)
        ).status_code == 403
        assert (await wards.client.post(f"{decide}/cancel", json={"reason": "x"}, headers=headers)).status_code == 403
    for headers in others("approver"):
        assert (await wards.client.post(f"{decide}/approve", headers=headers)).status_code == 403
        assert (await wards.client.post(f"{decide}/refuse", json={"reason": "x"}, headers=headers)).status_code == 403
    for headers in others("officer", "ward_member"):
        assert (await wards.request(revenue["id"], 100, headers)).status_code == 403
    await wards.ok("POST", f"{decide}/approve", wards.approver)
    for headers in others("finance"):
        assert (await wards.client.post(f"{decide}/spent", json={"spent_pence": 1}, headers=headers)).status_code == 403
    # Partners read utilisation, not the budgets' requests; applicants and forum members read neither.
    partner = wards.as_("partner")
    assert (
        await wards.client.get(f"/v1/budgets/utilisation?financial_year={YEAR}", headers=partner)
    ).status_code == 200
    assert (await wards.client.get(f"/v1/budgets?financial_year={YEAR}", headers=partner)).status_code == 403
    assert (await wards.client.get("/v1/spend-requests", headers=partner)).status_code == 403
    for role in ("applicant", "forum_member"):
        assert (
            await wards.client.get(f"/v1/budgets/utilisation?financial_year={YEAR}", headers=wards.as_(role))
        ).status_code == 403
    assert await wards.sql("SELECT status, amount_pence FROM spend_requests") == [("committed", 10_000)]
    assert await wards.sql("SELECT count(*) FROM budget_years") == [(1,)]


async def test_no_council_sees_or_touches_another_councils_budgets_or_spending(wards: Wards):
    await wards.set_budgets()
    revenue = await wards.budget(BOSTON_CASTLE, "revenue")
    request = (await wards.request(revenue["id"], 10_000)).json()

    def leeds(role: str) -> dict[str, str]:
        return wards.as_(role, council=OTHER_COUNCIL, wards=[BOSTON_CASTLE])

    assert (await wards.ok("GET", f"/v1/budgets?financial_year={YEAR}", leeds("officer")))["items"] == []
    assert await wards.ok("GET", f"/v1/budgets/utilisation?financial_year={YEAR}&by=ward", leeds("partner")) == []
    assert (await wards.ok("GET", "/v1/spend-requests", leeds("approver")))["items"] == []
    for response in (
        await wards.client.get(f"/v1/budgets/{revenue['id']}", headers=leeds("officer")),
        await wards.client.get(f"/v1/spend-requests/{request['id']}", headers=leeds("officer")),
        await wards.request(revenue["id"], 100, leeds("officer")),
        await wards.client.post(f"/v1/spend-requests/{request['id']}/approve", headers=leeds("approver")),
        await wards.client.post(
            f"/v1/budgets/{revenue['id']}/pool", json={"amount_pence": 1}, headers=leeds("officer")
        ),
    ):
        assert is_problem(response, 404)
    # Leeds has no boundary set here: it cannot set budgets across Rotherham's wards either.
    refused = await wards.client.post(
        f"/v1/budgets/{YEAR}", json={"revenue_total_pence": 1, "capital_total_pence": 1}, headers=leeds("officer")
    )
    assert is_problem(refused, 409, "No boundary set in force")
    assert await wards.sql("SELECT status FROM spend_requests") == [("awaiting_approval",)]


# --- Whom notifications writes to about a spend request -------------------------------------------


async def test_spend_contacts_are_the_councils_approvers_and_the_wards_current_members(wards: Wards, settings_for_test):
    await wards.elect(name="Cllr A. Member", email="a.member@example.org")
    gone = await wards.elect(name="Cllr B. Member", email="b.member@example.org")
    await wards.ok("POST", f"/v1/wards/{BOSTON_CASTLE}/members/{gone['id']}/stand-down", wards.officer, {})
    approvers = [{"name": "Assistant Director, Housing and Neighbourhood Services", "email": "ad@example.org"}]
    assert await wards.ok("PUT", "/v1/spend-approvers", wards.officer, approvers) == approvers
    assert is_problem(
        await wards.client.put(
            "/v1/spend-approvers", json=[{"name": "X", "email": "not-an-email"}], headers=wards.officer
        ),
        422,
    )
    assert (await wards.client.put("/v1/spend-approvers", json=[], headers=wards.approver)).status_code == 403
    await wards.set_budgets()
    request = (await wards.request((await wards.budget(BOSTON_CASTLE, "revenue"))["id"], 1_000)).json()

    async with running_service(actions_definition, settings_for_test("actions")) as (app, _):
        caller = app.state.runtime
        answer = await caller.call(
            SPEND_CONTACTS, SpendContactsRequest(council=COUNCIL, spend_request_id=request["id"]), timeout=5
        )
        assert answer == SpendContacts(
            spend_request_id=request["id"],
            gss_code=BOSTON_CASTLE,
            ward_name="Boston Castle",
            approvers=[MemberContact(name=approvers[0]["name"], email="ad@example.org")],
            members=[MemberContact(name="Cllr A. Member", email="a.member@example.org")],
        )
        with pytest.raises(NotFound):
            await caller.call(
                SPEND_CONTACTS, SpendContactsRequest(council=OTHER_COUNCIL, spend_request_id=request["id"]), timeout=5
            )
    assert "ad@example.org" not in str(await wards.sql("SELECT envelope FROM outbox"))
