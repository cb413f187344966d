"""The council's calendar, the same in every service: dates in Europe/London, the UK financial year.

Councils budget, report and meet by the financial year, 1 April to 31 March, named
like ``2017-18``; a date is the council's date whatever zone the server runs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The instant, timezone-aware in UTC: the one spelling of "now" in every service (stored, compared, sent)."""
    return datetime.now(UTC)


def today_in_london(now: datetime | None = None) -> date:
    """The council's date (Europe/London), whatever the server's zone."""
    return (now or datetime.now(LONDON)).astimezone(LONDON).date()


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A UK financial year, 1 April to 31 March, named like ``2017-18``."""

    start_year: int

    @classmethod
    def of(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, label: str) -> FinancialYear:
        """``2017-18``; anything else (``2017-19``, ``2017/18``) is a ValueError saying what was meant."""
        head, _, tail = label.partition("-")
        if not (head.isdigit() and len(head) == 4 and tail.isdigit() and len(tail) == 2):
            raise ValueError(f"Financial year {label!r} is not written like 2017-18.")
        year = cls(int(head))
        if year.label != label:
            raise ValueError(f"{label!r} is not a financial year; did you mean {year.label}?")
        return year

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def starts_on(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> date:
        """31 March."""
        return date(self.start_year + 1, 3, 31)

    @property
    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def quarter_ends(self) -> tuple[date, date, date, date]:
        """30 June, 30 September, 31 December, 31 March."""
        y = self.start_year
        return date(y, 6, 30), date(y, 9, 30), date(y, 12, 31), date(y + 1, 3, 31)

    def __str__(self) -> str:
        return self.label
