"""Ward meetings and their cadence, in the council's words; plain Python, no framework.

Ward meetings are where the members and officers review the ward plan and decide on
devolved budgets and priorities such as CCTV deployment. The council's minimum (IPSC,
September 2018) is four ward meetings a year in every ward; ``cadence_checkpoint`` and
``cadence_shortfall`` say when a ward has fallen behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.wards.domain.budgets import WARD_BUDGETS, BudgetKind
from services.wards.domain.members import WardMember
from services.wards.domain.wards import WardsError, new_id
from shared.calendar import FinancialYear, now


class InvalidMeeting(WardsError):
    title = "Invalid meeting"


class UnknownMeeting(WardsError):
    status = 404
    title = "Meeting not found"


# --- Ward meetings --------------------------------------------------------------------------------

# What one meeting can allocate, in all its decisions together: £10m. A ward's devolved budgets are
# far smaller (2017/18: £30,000 revenue and £210,000 capital shared by every ward of the borough);
# the bound keeps a mistyped figure from being stored and summed into every report.
MAX_ALLOCATION_PENCE = 10_000_000_00
# Residents, partners and officers at one meeting: more than any hall a ward meets in would hold.
MAX_OTHER_ATTENDEES = 10_000


@dataclass
class Decision:
    """What a ward meeting decided, in a line; a budget allocation is in integer pence, from the ward's
    revenue or capital budget (``budget_kind``) for the financial year of the meeting, and becomes a
    spend request awaiting the approver, so that decisions and budgets never disagree."""

    text: str
    budget_allocation_pence: int | None = None
    position: int = 0
    budget_kind: BudgetKind | None = None
    capital_item: bool = False

    @property
    def allocates(self) -> bool:
        return bool(self.budget_allocation_pence)


@dataclass
class WardMeeting:
    gss_code: str
    council: str
    held_on: date
    attendee_member_ids: list[str]
    other_attendees: int
    decisions: list[Decision]
    minutes: str
    recorded_by: str
    recorded_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)

    @property
    def budget_allocated_pence(self) -> int:
        return sum(d.budget_allocation_pence or 0 for d in self.decisions)


def record_meeting(
    *,
    gss_code: str,
    council: str,
    held_on: date,
    today: date,
    attendee_member_ids: Sequence[str],
    other_attendees: int,
    decisions: Sequence[Decision],
    minutes: str,
    members: Iterable[WardMember],
    recorded_by: str,
) -> WardMeeting:
    """A ward meeting that has taken place, attended by members of that ward on that day."""
    if held_on > today:
        raise InvalidMeeting(
            f"A meeting is recorded once held; {held_on} is after today ({today}).", held_on=held_on.isoformat()
        )
    if not 0 <= other_attendees <= MAX_OTHER_ATTENDEES:
        raise InvalidMeeting(f"The count of other attendees is between 0 and {MAX_OTHER_ATTENDEES}.")
    if any((d.budget_allocation_pence or 0) < 0 for d in decisions):
        raise InvalidMeeting("A budget allocation is a positive amount of pence.")
    if any(d.allocates and d.budget_kind not in (None, *WARD_BUDGETS) for d in decisions):
        raise InvalidMeeting("A ward meeting allocates the ward's revenue or capital budget; a CLF is its member's.")
    allocated = sum(d.budget_allocation_pence or 0 for d in decisions)
    if allocated > MAX_ALLOCATION_PENCE:
        raise InvalidMeeting(
            f"The decisions allocate {allocated} pence in all; a meeting allocates at most {MAX_ALLOCATION_PENCE}.",
            allocated_pence=allocated,
        )
    members_then = {m.id for m in members if m.gss_code == gss_code and m.is_current(held_on)}
    attendees = list(dict.fromkeys(attendee_member_ids))
    strangers = [a for a in attendees if a not in members_then]
    if strangers:
        raise InvalidMeeting(
            f"Not members of ward {gss_code} on {held_on}: {', '.join(strangers)}.", unknown_member_ids=strangers
        )
    return WardMeeting(
        gss_code=gss_code,
        council=council,
        held_on=held_on,
        attendee_member_ids=attendees,
        other_attendees=other_attendees,
        decisions=[
            Decision(
                text=d.text,
                budget_allocation_pence=d.budget_allocation_pence,
                position=i,
                budget_kind=(d.budget_kind or BudgetKind.REVENUE) if d.allocates else None,
                capital_item=d.capital_item,
            )
            for i, d in enumerate(decisions)
        ],
        minutes=minutes,
        recorded_by=recorded_by,
    )


# --- Meeting cadence ------------------------------------------------------------------------------

MEETINGS_A_YEAR = 4


@dataclass(frozen=True)
class CadenceCheckpoint:
    """The end of quarter ``quarter`` (1 to 4) of a financial year, by which ``quarter`` meetings should have been held."""

    year: FinancialYear
    quarter: int

    @property
    def as_of(self) -> date:
        return self.year.quarter_ends()[self.quarter - 1]

    @property
    def meetings_expected(self) -> int:
        # Four a year, spread over the year: one a quarter, so by the end of quarter N, N meetings.
        return MEETINGS_A_YEAR * self.quarter // 4

    @property
    def key(self) -> str:
        return f"{self.year.label}:Q{self.quarter}"


def cadence_checkpoint(today: date) -> CadenceCheckpoint:
    """The checkpoint to judge on ``today``: the latest quarter end strictly before today.

    A quarter is judged from the day after it ends, so meetings held on its last
    day count. Only the latest checkpoint is judged: if the scheduler did not run
    for a whole quarter, the missed checkpoint is superseded by the later one,
    which expects more meetings, rather than raised late.
    """
    this_year = FinancialYear.of(today)
    for year in (this_year, this_year.previous):
        for quarter in (4, 3, 2, 1):
            checkpoint = CadenceCheckpoint(year, quarter)
            if checkpoint.as_of < today:
                return checkpoint
    raise AssertionError("unreachable: the previous financial year's last quarter always ended before today")


@dataclass(frozen=True)
class CadenceShortfall:
    """A ward short of the meetings a checkpoint expects."""

    gss_code: str
    checkpoint: CadenceCheckpoint
    meetings_held: int

    @property
    def meetings_expected(self) -> int:
        return self.checkpoint.meetings_expected


def cadence_shortfall(
    gss_code: str, checkpoint: CadenceCheckpoint, held_on: Iterable[date], recording_since: date | None
) -> CadenceShortfall | None:
    """Whether a ward is behind the cadence of at least four ward meetings per financial year.

    The rule: by the end of quarter N of the financial year (30 June, 30 September,
    31 December, 31 March) a ward should have held at least N meetings in that year.
    A ward with fewer is behind at that checkpoint. So a ward still short at the Q3
    checkpoint (fewer than 3 by 31 December) is told in January, while a fourth
    meeting can still be held before the year ends; the Q4 checkpoint records a
    year that closed short. Meetings outside the year, or after the checkpoint, do not count.

    A ward is judged only once its council records its ward meetings here:
    ``recording_since`` is the day the council recorded its first meeting in Cohesion
    (``None``: never), and it must be on or before the checkpoint. A council that
    has not started, or a new deployment part-way through a quarter, is not told
    every ward is behind; meetings it records later, with earlier dates, count at
    the next checkpoint.
    """
    if recording_since is None or recording_since > checkpoint.as_of:
        return None
    held = sum(1 for d in held_on if checkpoint.year.starts_on <= d <= checkpoint.as_of)
    if held >= checkpoint.meetings_expected:
        return None
    return CadenceShortfall(gss_code=gss_code, checkpoint=checkpoint, meetings_held=held)
