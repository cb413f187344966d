"""The rules of neighbourhood working, as plain Python: members, meetings and the meeting cadence."""

from __future__ import annotations

from datetime import date

import pytest

from services.wards.domain import (
    AlreadyStoodDown,
    CadenceCheckpoint,
    Decision,
    InvalidMeeting,
    InvalidMember,
    WardMember,
    cadence_checkpoint,
    cadence_shortfall,
    record_meeting,
)
from shared.calendar import FinancialYear

WARD, OTHER_WARD, COUNCIL = "E05012996", "E05012997", "E08000018"
YEAR = FinancialYear(2017)  # 2017-18, the first year of neighbourhood working
SINCE = date(2017, 4, 1)  # the council recorded its first meeting here on the year's first day


def member(**overrides: object) -> WardMember:
    values: dict[str, object] = {"gss_code": WARD, "council": COUNCIL, "name": "A. Member", "email": "a@example.org"}
    values.update(overrides)
    return WardMember(**values)  # type: ignore[arg-type]


# --- The financial year and its checkpoints ---------------------------------------------------------


def test_the_financial_year_runs_from_april_to_march_and_is_named_like_the_council_papers():
    assert FinancialYear.of(date(2018, 3, 31)) == YEAR
    assert FinancialYear.of(date(2017, 4, 1)) == YEAR
    assert FinancialYear.of(date(2018, 4, 1)) == FinancialYear(2018)
    assert YEAR.label == "2017-18"
    assert FinancialYear(1999).label == "1999-00"
    assert YEAR.quarter_ends() == (date(2017, 6, 30), date(2017, 9, 30), date(2017, 12, 31), date(2018, 3, 31))


@pytest.mark.parametrize(
    ("today", "year", "quarter"),
    [
        (date(2017, 7, 1), 2017, 1),  # the day after the first quarter ends
        (date(2017, 9, 30), 2017, 1),  # on a quarter's last day, meetings may still be held: not judged yet
        (date(2017, 10, 1), 2017, 2),
        (date(2018, 1, 1), 2017, 3),  # Q3: before the year ends, a fourth meeting can still be held
        (date(2018, 3, 31), 2017, 3),
        (date(2018, 4, 1), 2017, 4),  # the year closed
        (date(2018, 6, 30), 2017, 4),  # until the new year's first quarter ends
        (date(2018, 7, 1), 2018, 1),
    ],
)
def test_the_checkpoint_judged_on_a_day_is_the_latest_quarter_end_before_it(today, year, quarter):
    assert cadence_checkpoint(today) == CadenceCheckpoint(FinancialYear(year), quarter)


def test_by_the_end_of_quarter_n_a_ward_should_have_held_n_of_its_four_meetings():
    checkpoints = [CadenceCheckpoint(YEAR, q) for q in (1, 2, 3, 4)]
    assert [c.meetings_expected for c in checkpoints] == [1, 2, 3, 4]
    assert [c.as_of for c in checkpoints] == list(YEAR.quarter_ends())
    assert [c.key for c in checkpoints] == ["2017-18:Q1", "2017-18:Q2", "2017-18:Q3", "2017-18:Q4"]


# --- Behind or on track -------------------------------------------------------------------------------


def test_a_ward_with_two_meetings_by_31_december_is_behind_at_the_q3_checkpoint():
    q3 = CadenceCheckpoint(YEAR, 3)
    behind = cadence_shortfall(WARD, q3, [date(2017, 5, 10), date(2017, 9, 12)], SINCE)
    assert behind is not None
    assert (behind.gss_code, behind.meetings_held, behind.meetings_expected) == (WARD, 2, 3)
    assert behind.checkpoint.as_of == date(2017, 12, 31)


def test_a_ward_with_three_meetings_by_31_december_is_on_track_even_if_all_in_one_quarter():
    q3 = CadenceCheckpoint(YEAR, 3)
    assert cadence_shortfall(WARD, q3, [date(2017, 12, 1), date(2017, 12, 15), date(2017, 12, 31)], SINCE) is None


def test_meetings_of_another_year_or_after_the_checkpoint_do_not_count():
    q2 = CadenceCheckpoint(YEAR, 2)
    held = [date(2017, 3, 31), date(2017, 6, 1), date(2017, 10, 1), date(2018, 5, 1)]
    behind = cadence_shortfall(WARD, q2, held, SINCE)
    assert behind is not None and behind.meetings_held == 1


def test_a_year_that_closed_with_three_meetings_is_behind_at_the_q4_checkpoint():
    q4 = CadenceCheckpoint(YEAR, 4)
    held = [date(2017, 6, 1), date(2017, 9, 1), date(2017, 12, 1)]
    behind = cadence_shortfall(WARD, q4, held, SINCE)
    assert behind is not None and (behind.meetings_held, behind.meetings_expected) == (3, 4)
    assert cadence_shortfall(WARD, q4, [*held, date(2018, 3, 31)], SINCE) is None


def test_a_ward_is_not_judged_before_its_council_records_meetings_here():
    q3 = CadenceCheckpoint(YEAR, 3)
    assert cadence_shortfall(WARD, q3, [], None) is None
    # Started recording after the checkpoint: judged from the next one.
    assert cadence_shortfall(WARD, q3, [], date(2018, 1, 5)) is None
    assert cadence_shortfall(WARD, CadenceCheckpoint(YEAR, 4), [], date(2018, 1, 5)) is not None
    # Started on the checkpoint's own day: judged.
    assert cadence_shortfall(WARD, q3, [], date(2017, 12, 31)) is not None


# --- Members --------------------------------------------------------------------------------------


def test_a_member_is_current_within_their_term_until_the_day_they_stand_down():
    m = member(term_starts_on=date(2016, 5, 5), term_ends_on=date(2020, 5, 7))
    assert not m.is_current(date(2016, 5, 4))
    assert m.is_current(date(2016, 5, 5))
    assert m.is_current(date(2020, 5, 7))
    assert not m.is_current(date(2020, 5, 8))
    m.stand_down(date(2018, 2, 1))
    assert m.is_current(date(2018, 1, 31))
    assert not m.is_current(date(2018, 2, 1))


def test_a_member_stands_down_once_and_not_before_their_term():
    m = member(term_starts_on=date(2016, 5, 5))
    with pytest.raises(InvalidMember):
        m.stand_down(date(2016, 5, 4))
    m.stand_down(date(2018, 2, 1))
    with pytest.raises(AlreadyStoodDown):
        m.stand_down(date(2018, 3, 1))
    assert m.stood_down_on == date(2018, 2, 1)


def test_a_term_cannot_end_before_it_starts():
    with pytest.raises(InvalidMember):
        member(term_starts_on=date(2020, 5, 7), term_ends_on=date(2016, 5, 5))


# --- Meetings -------------------------------------------------------------------------------------


def meeting(attending: list[WardMember], **overrides: object):
    values: dict[str, object] = {
        "gss_code": WARD,
        "council": COUNCIL,
        "held_on": date(2017, 9, 12),
        "today": date(2017, 9, 13),
        "attendee_member_ids": [m.id for m in attending],
        "other_attendees": 12,
        "decisions": [
            Decision("Deploy the mobile CCTV camera to the park", 250_000),
            Decision("Make litter the ward's first priority"),
        ],
        "minutes": "Members and officers reviewed the ward plan.",
        "members": attending,
        "recorded_by": "officer-1",
    }
    values.update(overrides)
    return record_meeting(**values)  # type: ignore[arg-type]


def test_a_meeting_keeps_its_decisions_in_order_and_totals_the_budget_it_allocated():
    a, b = member(), member(name="B. Member")
    held = meeting([a, b, a])
    assert held.attendee_member_ids == [a.id, b.id]  # each attendee once
    assert [(d.position, d.text) for d in held.decisions] == [
        (0, "Deploy the mobile CCTV camera to the park"),
        (1, "Make litter the ward's first priority"),
    ]
    assert held.budget_allocated_pence == 250_000


def test_only_members_of_the_ward_on_the_day_may_be_recorded_as_attending():
    here, elsewhere = member(), member(gss_code=OTHER_WARD)
    gone = member(stood_down_on=date(2017, 8, 1))
    for stranger in (elsewhere, gone):
        with pytest.raises(InvalidMeeting) as refused:
            meeting([here], attendee_member_ids=[here.id, stranger.id], members=[here, elsewhere, gone])
        assert refused.value.facts["unknown_member_ids"] == [stranger.id]


def test_a_meeting_is_recorded_once_held_not_before():
    with pytest.raises(InvalidMeeting):
        meeting([], held_on=date(2017, 9, 14), today=date(2017, 9, 13))
    assert meeting([], held_on=date(2017, 9, 13), today=date(2017, 9, 13)).held_on == date(2017, 9, 13)
