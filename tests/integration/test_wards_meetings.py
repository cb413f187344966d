"""Neighbourhood working against the real database and broker: elected members (emails for officers
only), ward meetings (a ward member records their own ward's), the meeting-cadence clock raising
``wards.ward.meetings_behind.v1`` exactly once per checkpoint also across a restart, and the
``wards.member_contacts`` answer notifications uses to write to a ward's members.

The cadence job is called through the running app's runtime with explicit dates, exactly as
``services/wards/clocks.py`` calls it with today's date in Europe/London.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.actions.app import definition as actions_definition
from services.wards import clocks, handlers
from services.wards.app import definition
from services.wards.domain import WardMeeting
from shared.calendar import FinancialYear, today_in_london
from shared.messaging.rpc import NotFound
from shared.procedures import WARD_MEMBER_CONTACTS, MemberContact, WardMemberContacts, WardMemberContactsRequest
from shared.settings import Settings
from shared.unit_of_work import Actor
from tests.support import COUNCIL, OTHER_COUNCIL, eventually, running_service, token

BOSTON_CASTLE, KEPPEL = "E05012996", "E05013001"
ELECTED, STOOD_DOWN = "wards.member.elected.v1", "wards.member.stood_down.v1"
HELD, BEHIND = "wards.meeting.held.v1", "wards.ward.meetings_behind.v1"


@dataclass
class Wards:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    @property
    def officer(self) -> dict[str, str]:
        return token(self.settings, "officer", subject="officer-1")

    async def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.app.state.runtime.engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(query), params)).all()]

    async def events(self, event_type: str) -> list[tuple[str, dict[str, Any]]]:
        rows = await self.sql("SELECT subject, envelope FROM outbox WHERE event_type = :t ORDER BY seq", t=event_type)
        return [(subject, envelope) for subject, envelope in rows]

    async def set_budgets_for(self, *days: date) -> None:
        """The year's budgets for each day's financial year, so that a meeting's allocation has its budget."""
        for year in sorted({FinancialYear.of(day).label for day in days}):
            body = {"revenue_total_pence": 25_000_000, "capital_total_pence": 0}  # £10,000 a ward
            response = await self.client.post(f"/v1/budgets/{year}", json=body, headers=self.officer)
            assert response.status_code == 201, response.text

    async def elect(self, gss_code: str = BOSTON_CASTLE, **overrides: Any) -> dict[str, Any]:
        body = {"name": "Cllr A. Member", "email": "a.member@example.org", "party": "Independent"} | overrides
        response = await self.client.post(f"/v1/wards/{gss_code}/members", json=body, headers=self.officer)
        assert response.status_code == 201, response.text
        member: dict[str, Any] = response.json()
        return member


@pytest.fixture
async def wards(settings_for_test) -> AsyncIterator[Wards]:
    settings = settings_for_test("wards")
    async with running_service(definition, settings) as (app, client):
        w = Wards(app, client, settings)
        await eventually(lambda: _all_wards_loaded(w))
        yield w


async def _all_wards_loaded(w: Wards) -> bool:
    return await w.sql("SELECT count(*) FROM wards") == [(25,)]


# --- Elected members ------------------------------------------------------------------------------


async def test_an_officer_records_members_and_only_officers_and_admins_see_their_emails(wards: Wards):
    first = await wards.elect(name="Cllr A. Member", email="a.member@example.org", term_starts_on="2016-05-05")
    second = await wards.elect(name="Cllr B. Member", email="b.member@example.org", party=None)

    elected = await wards.events(ELECTED)
    assert [subject for subject, _ in elected] == [first["id"], second["id"]]
    assert elected[0][1]["data"] == {
        "member_id": first["id"],
        "gss_code": BOSTON_CASTLE,
        "term_starts_on": "2016-05-05",
        "term_ends_on": None,
    }
    assert elected[0][1]["council"] == COUNCIL
    published = str(elected)
    assert "example.org" not in published and "Member" not in published  # no personal data in events

    def emails(response: httpx.Response) -> dict[str, str | None]:
        assert response.status_code == 200, response.text
        return {m["name"]: m["email"] for m in response.json()["items"]}

    path = f"/v1/wards/{BOSTON_CASTLE}/members"
    for role in ("officer", "admin"):
        assert emails(await wards.client.get(path, headers=token(wards.settings, role))) == {
            "Cllr A. Member": "a.member@example.org",
            "Cllr B. Member": "b.member@example.org",
        }
    for role in ("ward_member", "partner"):
        assert emails(await wards.client.get(path, headers=token(wards.settings, role))) == {
            "Cllr A. Member": None,
            "Cllr B. Member": None,
        }
        one = await wards.client.get(f"{path}/{first['id']}", headers=token(wards.settings, role))
        assert (one.json()["name"], one.json()["email"], one.json()["current"]) == ("Cllr A. Member", None, True)
    for role in ("applicant", "finance"):
        assert (await wards.client.get(path, headers=token(wards.settings, role))).status_code == 403
    # Another ward's list is its own.
    assert emails(await wards.client.get(f"/v1/wards/{KEPPEL}/members", headers=wards.officer)) == {}


async def test_only_officers_and_admins_record_or_stand_down_members(wards: Wards):
    member = await wards.elect()
    body = {"name": "Cllr C. Member", "email": "c@example.org"}
    for role in ("ward_member", "partner", "approver"):
        headers = token(wards.settings, role, wards=[BOSTON_CASTLE])
        assert (
            await wards.client.post(f"/v1/wards/{BOSTON_CASTLE}/members", json=body, headers=headers)
        ).status_code == 403
        refused = await wards.client.post(
            f"/v1/wards/{BOSTON_CASTLE}/members/{member['id']}/stand-down", json={}, headers=headers
        )
        assert refused.status_code == 403
    assert len(await wards.events(ELECTED)) == 1
    assert await wards.events(STOOD_DOWN) == []


async def test_another_councils_token_finds_no_member_of_rotherhams_wards(wards: Wards):
    member = await wards.elect()
    leeds = token(wards.settings, "officer", council=OTHER_COUNCIL)
    path = f"/v1/wards/{BOSTON_CASTLE}/members"
    for response in (
        await wards.client.get(path, headers=leeds),
        await wards.client.get(f"{path}/{member['id']}", headers=leeds),
        await wards.client.post(path, json={"name": "X", "email": "x@example.org"}, headers=leeds),
        await wards.client.post(f"{path}/{member['id']}/stand-down", json={}, headers=leeds),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert len(await wards.events(ELECTED)) == 1
    assert (await wards.client.get(f"{path}/{member['id']}", headers=wards.officer)).json()["stood_down_on"] is None


async def test_a_member_stands_down_once(wards: Wards):
    member = await wards.elect()
    path = f"/v1/wards/{BOSTON_CASTLE}/members/{member['id']}/stand-down"
    response = await wards.client.post(path, json={"stood_down_on": "2020-01-31"}, headers=wards.officer)
    assert response.status_code == 200, response.text
    assert (response.json()["stood_down_on"], response.json()["current"]) == ("2020-01-31", False)
    again = await wards.client.post(path, json={}, headers=wards.officer)
    assert again.status_code == 409
    assert again.json()["title"] == "Already stood down"
    ((subject, envelope),) = await wards.events(STOOD_DOWN)
    assert subject == member["id"]
    assert envelope["data"] == {"member_id": member["id"], "gss_code": BOSTON_CASTLE, "stood_down_on": "2020-01-31"}
    # Standing down a member through another ward's path finds nobody.
    elsewhere = f"/v1/wards/{KEPPEL}/members/{member['id']}/stand-down"
    assert (await wards.client.post(elsewhere, json={}, headers=wards.officer)).status_code == 404


# --- Ward meetings --------------------------------------------------------------------------------


def a_meeting(held_on: date, attendees: list[str]) -> dict[str, Any]:
    return {
        "held_on": held_on.isoformat(),
        "attendee_member_ids": attendees,
        "other_attendees": 14,
        "decisions": [
            {"text": "Deploy the mobile CCTV camera to the park for six weeks", "budget_allocation_pence": 250_000},
            {"text": "Make fly-tipping the ward's first priority"},
        ],
        "minutes": "Members and officers reviewed the ward plan.",
    }


async def test_an_officer_records_a_ward_meeting_and_its_held_event_counts_the_decisions(wards: Wards):
    member = await wards.elect()
    today = today_in_london()
    await wards.set_budgets_for(today, today - timedelta(days=90))
    path = f"/v1/wards/{BOSTON_CASTLE}/meetings"
    response = await wards.client.post(path, json=a_meeting(today, [member["id"]]), headers=wards.officer)
    assert response.status_code == 201, response.text
    meeting = response.json()
    assert meeting["decisions"] == [
        {
            "text": "Deploy the mobile CCTV camera to the park for six weeks",
            "budget_allocation_pence": 250_000,
            "budget_kind": "revenue",
            "capital_item": False,
        },
        {
            "text": "Make fly-tipping the ward's first priority",
            "budget_allocation_pence": None,
            "budget_kind": None,
            "capital_item": False,
        },
    ]
    assert (meeting["budget_allocated_pence"], meeting["recorded_by"]) == (250_000, "officer-1")

    ((subject, envelope),) = await wards.events(HELD)
    assert subject == meeting["id"]
    assert envelope["council"] == COUNCIL
    assert envelope["data"] == {
        "meeting_id": meeting["id"],
        "gss_code": BOSTON_CASTLE,
        "held_on": today.isoformat(),
        "decision_count": 2,
        "budget_allocated_pence": 250_000,
    }

    earlier = await wards.client.post(path, json=a_meeting(today - timedelta(days=90), []), headers=wards.officer)
    assert earlier.status_code == 201
    for role in ("partner", "ward_member", "officer"):
        listed = await wards.client.get(path, headers=token(wards.settings, role))
        assert [m["id"] for m in listed.json()["items"]] == [meeting["id"], earlier.json()["id"]]  # latest first
    one = await wards.client.get(f"{path}/{meeting['id']}", headers=token(wards.settings, "partner"))
    assert one.json()["minutes"] == "Members and officers reviewed the ward plan."
    assert (
        await wards.client.get(f"/v1/wards/{KEPPEL}/meetings/{meeting['id']}", headers=wards.officer)
    ).status_code == 404


async def test_a_ward_member_records_meetings_of_their_own_ward_only(wards: Wards):
    today = today_in_london()
    await wards.set_budgets_for(today)
    mine = token(wards.settings, "ward_member", subject="cllr-1", wards=[BOSTON_CASTLE])

    recorded = await wards.client.post(f"/v1/wards/{BOSTON_CASTLE}/meetings", json=a_meeting(today, []), headers=mine)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["recorded_by"] == "cllr-1"

    not_mine = await wards.client.post(f"/v1/wards/{KEPPEL}/meetings", json=a_meeting(today, []), headers=mine)
    assert not_mine.status_code == 403
    no_claim = token(wards.settings, "ward_member", subject="cllr-2")
    assert (
        await wards.client.post(f"/v1/wards/{BOSTON_CASTLE}/meetings", json=a_meeting(today, []), headers=no_claim)
    ).status_code == 403
    partner = token(wards.settings, "partner", wards=[BOSTON_CASTLE])
    assert (
        await wards.client.post(f"/v1/wards/{BOSTON_CASTLE}/meetings", json=a_meeting(today, []), headers=partner)
    ).status_code == 403
    # A Leeds ward member whose token names a Rotherham ward still finds no such ward in Leeds.
    leeds = token(wards.settings, "ward_member", council=OTHER_COUNCIL, wards=[BOSTON_CASTLE])
    assert (
        await wards.client.post(f"/v1/wards/{BOSTON_CASTLE}/meetings", json=a_meeting(today, []), headers=leeds)
    ).status_code == 404

    assert [subject for subject, _ in await wards.events(HELD)] == [recorded.json()["id"]]
    assert await wards.sql("SELECT gss_code, recorded_by FROM ward_meetings") == [(BOSTON_CASTLE, "cllr-1")]


async def test_a_meeting_in_the_future_or_attended_by_another_wards_member_is_refused(wards: Wards):
    elsewhere = await wards.elect(gss_code=KEPPEL)
    today = today_in_london()
    path = f"/v1/wards/{BOSTON_CASTLE}/meetings"

    stranger = await wards.client.post(path, json=a_meeting(today, [elsewhere["id"]]), headers=wards.officer)
    assert stranger.status_code == 422
    assert stranger.json()["unknown_member_ids"] == [elsewhere["id"]]
    future = await wards.client.post(path, json=a_meeting(today + timedelta(days=1), []), headers=wards.officer)
    assert future.status_code == 422
    negative = await wards.client.post(path, json=a_meeting(today, []) | {"other_attendees": -1}, headers=wards.officer)
    assert negative.status_code == 422
    assert await wards.events(HELD) == []
    assert await wards.sql("SELECT count(*) FROM ward_meetings") == [(0,)]


# --- The meeting cadence, exactly once per checkpoint, across restarts ----------------------------


async def raise_cadence(app: FastAPI, today: date) -> dict[str, tuple[int, int]]:
    """The cadence job on a given day: {ward: (held, expected)} for what was raised now."""
    async with app.state.runtime.uow(clocks.SCHEDULER) as uow:
        raised = await handlers.raise_cadence_notices(uow, today)
    return {b.gss_code: (b.meetings_held, b.meetings_expected) for b in raised}


async def held_before(app: FastAPI, gss_code: str, held_on: date, recorded_at: datetime) -> None:
    """A meeting recorded on a given day (the API records only today's past, so dates are set here)."""
    async with app.state.runtime.uow(Actor("test")) as uow:
        uow.session.add(
            WardMeeting(
                gss_code=gss_code,
                council=COUNCIL,
                held_on=held_on,
                attendee_member_ids=[],
                other_attendees=0,
                decisions=[],
                minutes="",
                recorded_by="test",
                recorded_at=recorded_at,
            )
        )
        await uow.commit()


async def behind_events(w: Wards, gss_code: str) -> list[dict[str, Any]]:
    return [envelope["data"] for subject, envelope in await w.events(BEHIND) if subject == gss_code]


async def test_a_ward_behind_on_meetings_is_raised_once_per_checkpoint_also_across_a_restart(settings_for_test):
    settings = settings_for_test("wards")
    first_recorded = datetime(2030, 4, 2, 9, tzinfo=UTC)  # the council starts recording meetings here, 2030-31
    q3_judged, q4_judged = date(2031, 1, 1), date(2031, 4, 1)

    async with running_service(definition, settings) as (app, client):
        w = Wards(app, client, settings)
        await eventually(lambda: _all_wards_loaded(w))
        # Before the council records any meeting here, no ward is judged (and none is told it is behind).
        assert await raise_cadence(app, q3_judged) == {}

        # Keppel is on track (3 by 31 December); Boston Castle held one; the other 23 wards none.
        for day in (date(2030, 6, 1), date(2030, 9, 1), date(2030, 12, 31)):
            await held_before(app, KEPPEL, day, first_recorded)
        await held_before(app, BOSTON_CASTLE, date(2030, 5, 20), first_recorded)

        raised = await raise_cadence(app, q3_judged)
        assert KEPPEL not in raised
        assert raised[BOSTON_CASTLE] == (1, 3)
        assert len(raised) == 24 and set(raised.values()) == {(1, 3), (0, 3)}
        assert await raise_cadence(app, q3_judged) == {}
        assert await raise_cadence(app, date(2031, 3, 31)) == {}  # the same checkpoint until the year closes

        ((data,),) = [await behind_events(w, BOSTON_CASTLE)]
        assert data == {
            "gss_code": BOSTON_CASTLE,
            "financial_year": "2030-31",
            "quarter": 3,
            "meetings_held": 1,
            "meetings_expected": 3,
            "as_of": "2030-12-31",
        }
        ((envelope,),) = [[e for s, e in await w.events(BEHIND) if s == BOSTON_CASTLE]]
        assert envelope["council"] == COUNCIL
        assert await behind_events(w, KEPPEL) == []

    # A new instance on the same database: what was raised stays raised; the next checkpoint is new.
    async with running_service(definition, settings) as (app, client):
        w = Wards(app, client, settings)
        assert await raise_cadence(app, q3_judged + timedelta(days=1)) == {}
        assert len(await w.events(BEHIND)) == 24

        raised = await raise_cadence(app, q4_judged)
        assert (raised[KEPPEL], raised[BOSTON_CASTLE]) == ((3, 4), (1, 4))
        assert len(raised) == 25
        assert await raise_cadence(app, q4_judged) == {}
        assert [(d["quarter"], d["meetings_held"]) for d in await behind_events(w, BOSTON_CASTLE)] == [(3, 1), (4, 1)]
        assert [(d["quarter"], d["meetings_held"]) for d in await behind_events(w, KEPPEL)] == [(4, 3)]
        keys = await w.sql(
            "SELECT key FROM scheduled_occurrences WHERE kind = :k AND key LIKE :p ORDER BY key",
            k=handlers.MEETINGS_BEHIND,
            p=f"{BOSTON_CASTLE}:%",
        )
        assert keys == [(f"{BOSTON_CASTLE}:2030-31:Q3",), (f"{BOSTON_CASTLE}:2030-31:Q4",)]

        async def relayed() -> bool:
            rows = await w.sql(
                "SELECT count(*) FROM outbox WHERE event_type = :t AND published_at IS NOT NULL", t=BEHIND
            )
            return rows == [(49,)]

        await eventually(relayed)


# --- wards.member_contacts, for notifications -----------------------------------------------------


@pytest.fixture
async def caller(settings_for_test, wards: Wards) -> AsyncIterator[Any]:
    """Another service, running, to make the call (as notifications will)."""
    async with running_service(actions_definition, settings_for_test("actions")) as (app, _):
        yield app.state.runtime


def contacts_request(gss_code: str = BOSTON_CASTLE, council: str = COUNCIL) -> WardMemberContactsRequest:
    return WardMemberContactsRequest(council=council, gss_code=gss_code)


async def test_the_member_contacts_of_a_ward_are_its_current_members(wards: Wards, caller: Any):
    await wards.elect(name="Cllr A. Member", email="a.member@example.org")
    gone = await wards.elect(name="Cllr B. Member", email="b.member@example.org")
    await wards.elect(name="Cllr C. Member", email="c.member@example.org", term_ends_on="2021-05-06")
    await wards.elect(gss_code=KEPPEL, name="Cllr K. Member", email="k.member@example.org")
    stood_down = await wards.client.post(
        f"/v1/wards/{BOSTON_CASTLE}/members/{gone['id']}/stand-down", json={}, headers=wards.officer
    )
    assert stood_down.status_code == 200

    answer = await caller.call(WARD_MEMBER_CONTACTS, contacts_request(), timeout=5)

    assert answer == WardMemberContacts(
        gss_code=BOSTON_CASTLE,
        ward_name="Boston Castle",
        members=[MemberContact(name="Cllr A. Member", email="a.member@example.org")],
    )


async def test_member_contacts_are_not_found_for_another_council_or_an_unknown_ward(wards: Wards, caller: Any):
    await wards.elect()
    with pytest.raises(NotFound) as raised:
        await caller.call(WARD_MEMBER_CONTACTS, contacts_request(council=OTHER_COUNCIL), timeout=5)
    assert raised.value.procedure == "wards.member_contacts"
    with pytest.raises(NotFound):
        await caller.call(WARD_MEMBER_CONTACTS, contacts_request(gss_code="E05999999"), timeout=5)
    # The same question about its own council is answered.
    assert len((await caller.call(WARD_MEMBER_CONTACTS, contacts_request(), timeout=5)).members) == 1
