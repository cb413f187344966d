"""The wards' member commands, run against a unit of work in memory (tests/fakes.py).

What each proves is the handler's own part: which records it loads and refuses, what it stages,
emits and audits, and that it commits once or not at all. The SQL and the mapping are proved
against PostgreSQL in tests/integration/test_wards_meetings.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.wards import handlers
from services.wards.domain import AlreadyStoodDown, UnknownMember, UnknownWard, Ward, WardMember
from tests.fakes import FakeUnitOfWork

ROTHERHAM, LEEDS = "E08000018", "E08000035"
KEPPEL = Ward("E05013004", "Keppel", ROTHERHAM, "Rotherham", "WD24")
ARMLEY = Ward("E05011396", "Armley", LEEDS, "Leeds", "WD18")


@pytest.fixture
def reworked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The members whose CLF the handler re-works by the council's rule (proved against PostgreSQL in
    tests/integration/test_wards_budgets.py), in the same unit as their change."""
    members: list[str] = []

    async def rework_clf(uow: object, member: WardMember) -> None:
        members.append(member.id)

    monkeypatch.setattr("services.wards.handlers.members.rework_clf", rework_clf)
    return members


def councillor(ward: Ward = KEPPEL, **changes: object) -> WardMember:
    values: dict[str, object] = {
        "gss_code": ward.gss_code,
        "council": ward.local_authority_gss,
        "name": "Cllr A. Example",
        "email": "a.example@rotherham.gov.uk",
        "term_starts_on": date(2024, 5, 2),
    }
    return WardMember(**(values | changes))  # type: ignore[arg-type]


async def test_electing_a_member_stages_them_and_publishes_only_their_id_and_term(reworked: list[str]):
    uow = FakeUnitOfWork("wards", KEPPEL)
    member = councillor()

    await handlers.elect_member(uow, member)

    assert uow.commits == 1
    assert reworked == [member.id]
    assert uow.fake_session.records[(WardMember, (member.id,))] is member
    [event] = uow.events
    assert (event.type, event.subject, event.council) == ("wards.member.elected.v1", member.id, ROTHERHAM)
    assert event.data == {
        "member_id": member.id,
        "gss_code": KEPPEL.gss_code,
        "term_starts_on": "2024-05-02",
        "term_ends_on": None,
    }  # no name, no email: personal data stays in the service
    assert [(a.action, a.subject) for a in uow.audited] == [("wards.member.elect", member.id)]


@pytest.mark.parametrize("ward", [None, ARMLEY], ids=["no such ward", "another council's ward"])
async def test_a_member_of_a_ward_the_council_does_not_have_is_refused_and_nothing_is_written(ward):
    uow = FakeUnitOfWork("wards", *([ward] if ward else []))

    with pytest.raises(UnknownWard):
        await handlers.elect_member(uow, councillor(ARMLEY, council=ROTHERHAM))

    assert (uow.commits, uow.events, uow.audited, uow.staged) == (0, [], [], [])


async def test_standing_down_dates_the_member_and_says_so_once(reworked: list[str]):
    member = councillor()
    uow = FakeUnitOfWork("wards", KEPPEL, member)

    await handlers.stand_down_member(uow, ROTHERHAM, KEPPEL.gss_code, member.id, date(2025, 1, 31))

    assert member.stood_down_on == date(2025, 1, 31)
    assert uow.event_types == ["wards.member.stood_down.v1"]
    assert uow.events[0].data["stood_down_on"] == "2025-01-31"

    with pytest.raises(AlreadyStoodDown):
        await handlers.stand_down_member(uow, ROTHERHAM, KEPPEL.gss_code, member.id, date(2025, 2, 1))
    assert (uow.commits, uow.event_types) == (1, ["wards.member.stood_down.v1"])
    assert reworked == [member.id]  # once: the refused second time re-works nothing


async def test_a_member_is_stood_down_only_from_their_own_ward():
    member = councillor()
    other_ward = Ward("E05013005", "Maltby East", ROTHERHAM, "Rotherham", "WD24")
    uow = FakeUnitOfWork("wards", KEPPEL, other_ward, member)

    with pytest.raises(UnknownMember):
        await handlers.stand_down_member(uow, ROTHERHAM, other_ward.gss_code, member.id, date(2025, 1, 31))

    assert (member.stood_down_on, uow.commits, uow.events) == (None, 0, [])
