"""Quarterly updates from each ward to the portfolio Cabinet Member (Thriving Neighbourhoods, 2018):
progress against the ward plan, spend, and issues, once a quarter of the financial year.

An update for a quarter is due by the last day of the month after the quarter ends (31 July, 31 October,
31 January, 30 April); from the next day a ward without one is overdue, raised once per ward and quarter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.wards.domain.wards import WardsError, new_id
from shared.calendar import FinancialYear, now

MAX_SPEND_PENCE = 1_000_000_000


class InvalidUpdate(WardsError):
    title = "Invalid quarterly update"


class UpdateAlreadySubmitted(WardsError):
    status = 409
    title = "Quarterly update already submitted"


def due_on(year: FinancialYear, quarter: int) -> date:
    """The last day of the month after the quarter's end."""
    end = year.quarter_ends()[quarter - 1]
    first_of_next_next = date(end.year + (end.month + 2 > 12), (end.month + 1) % 12 + 1, 1)
    return first_of_next_next - timedelta(days=1)


@dataclass(frozen=True)
class UpdateDue:
    year: FinancialYear
    quarter: int

    @property
    def due_on(self) -> date:
        return due_on(self.year, self.quarter)

    @property
    def key(self) -> str:
        return f"{self.year.label}:Q{self.quarter}"


def latest_due(today: date) -> UpdateDue:
    """The latest quarter whose update fell due strictly before today (judged from the day after)."""
    this_year = FinancialYear.of(today)
    for year in (this_year, this_year.previous, this_year.previous.previous):
        for quarter in (4, 3, 2, 1):
            if due_on(year, quarter) < today:
                return UpdateDue(year, quarter)
    raise AssertionError("unreachable: a quarter of the last two years always fell due before today")


def dues_in(year: FinancialYear, as_of: date) -> list[UpdateDue]:
    """The year's quarters whose update had fallen due before ``as_of``."""
    return [UpdateDue(year, q) for q in (1, 2, 3, 4) if due_on(year, q) < as_of]


@dataclass
class QuarterlyUpdate:
    council: str
    gss_code: str
    boundary_set: str
    financial_year: str
    quarter: int
    progress: str
    spend_pence: int
    issues: list[str]
    submitted_by: str
    submitted_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)


def submit_update(
    *,
    council: str,
    gss_code: str,
    boundary_set: str,
    year: FinancialYear,
    quarter: int,
    progress: str,
    spend_pence: int,
    issues: Sequence[str],
    today: date,
    submitted_by: str,
) -> QuarterlyUpdate:
    """An update for a quarter that has ended (or ends today); late updates are still taken."""
    if quarter not in (1, 2, 3, 4):
        raise InvalidUpdate("A quarter is 1, 2, 3 or 4.", quarter=quarter)
    if year.quarter_ends()[quarter - 1] > today + timedelta(days=31):
        raise InvalidUpdate(f"Quarter {quarter} of {year.label} is still to come.", quarter=quarter)
    if not progress.strip():
        raise InvalidUpdate("An update says what progress was made against the ward plan.")
    if not 0 <= spend_pence <= MAX_SPEND_PENCE:
        raise InvalidUpdate(f"Spend is between 0 and {MAX_SPEND_PENCE} pence.", spend_pence=spend_pence)
    return QuarterlyUpdate(
        council=council,
        gss_code=gss_code,
        boundary_set=boundary_set,
        financial_year=year.label,
        quarter=quarter,
        progress=progress.strip(),
        spend_pence=spend_pence,
        issues=[i.strip() for i in issues if i.strip()],
        submitted_by=submitted_by,
    )
