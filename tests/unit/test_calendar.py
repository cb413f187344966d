"""The council's calendar: the UK financial year and the London date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.calendar import FinancialYear, today_in_london


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2017, 3, 31), "2016-17"),
        (date(2017, 4, 1), "2017-18"),
        (date(2018, 3, 31), "2017-18"),
        (date(1999, 12, 31), "1999-00"),
    ],
)
def test_a_day_belongs_to_the_financial_year_that_started_on_the_1_april_before_it(day, label):
    year = FinancialYear.of(day)
    assert year.label == label and year.starts_on <= day <= year.ends_on


def test_a_financial_year_is_read_back_from_its_label_and_knows_its_quarters():
    year = FinancialYear.parse("2017-18")
    assert (year.starts_on, year.ends_on, year.previous.label) == (date(2017, 4, 1), date(2018, 3, 31), "2016-17")
    assert year.quarter_ends() == (date(2017, 6, 30), date(2017, 9, 30), date(2017, 12, 31), date(2018, 3, 31))


@pytest.mark.parametrize(("label", "said"), [("2017/18", "not written like"), ("2017-19", "did you mean 2017-18")])
def test_a_label_that_is_not_a_financial_year_is_refused_saying_why(label, said):
    with pytest.raises(ValueError, match=said):
        FinancialYear.parse(label)


def test_the_london_date_is_the_councils_whatever_the_servers_zone():
    # 23:30 UTC on 30 June is already 1 July in London (BST), the first day of the second quarter.
    assert today_in_london(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert today_in_london(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)  # GMT in winter
