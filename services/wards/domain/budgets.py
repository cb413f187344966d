"""Devolved budgets per financial year, as Thriving Neighbourhoods (IPSC, September 2018) sets them.

Each ward has, for a financial year (1 April to 31 March):
- a **Community Leadership Fund** (CLF) of £1,000 for each elected member, theirs to spend;
- a **ward revenue budget** and a **ward capital budget**, made by sharing a council total evenly
  across the wards of the boundary set in force (2017/18: £30,000 revenue over 21 wards and
  £210,000 capital).

Money is integer pence. A budget's ledger holds what was allocated, what was pooled in or out,
what is held by requests awaiting approval, committed by approved ones and spent; the held,
committed, spent and pooled-out money never exceeds the allocated and pooled-in money.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.wards.domain.members import WardMember
from services.wards.domain.wards import WardsError, new_id
from shared.calendar import FinancialYear, now

CLF_PER_MEMBER_PENCE = 100_000
"""£1,000 per elected member a year (Cabinet, April 2017: "to continue")."""

MAX_CLF_PER_MEMBER_PENCE = 1_000_000
"""£10,000: ten times the paper's CLF, the most a council would plausibly give one member a year."""

MAX_COUNCIL_TOTAL_PENCE = 1_000_000_000
"""£10m: a council's devolved revenue or capital for a year (Rotherham's 2017/18 capital was £210,000)."""


class BudgetKind(StrEnum):
    CLF = "clf"
    REVENUE = "revenue"
    CAPITAL = "capital"


WARD_BUDGETS = (BudgetKind.REVENUE, BudgetKind.CAPITAL)


class InvalidBudget(WardsError):
    title = "Invalid budget"


class UnknownBudget(WardsError):
    status = 404
    title = "Budget not found"


class BudgetsAlreadySet(WardsError):
    status = 409
    title = "Budgets already set"


class NoBoundarySetInForce(WardsError):
    status = 409
    title = "No boundary set in force"


class BudgetExceeded(WardsError):
    """The budget has not the room: nothing is held, committed or pooled beyond what it has."""

    status = 409
    title = "Budget exceeded"


class NotPoolable(WardsError):
    title = "Not poolable"


# --- Boundary sets --------------------------------------------------------------------------------


@dataclass
class BoundarySet:
    """A council's set of ward boundaries (e.g. ``WD24``), in force from a day until a later set succeeds it."""

    council: str
    code: str
    in_force_from: date


def boundary_set_in_force(sets: Iterable[BoundarySet], year: FinancialYear) -> BoundarySet:
    """The set in force on the year's first day, 1 April: a year's budgets are shared once, at its start,
    so a set that comes into force during the year (at the May elections) shares from the next year."""
    started = [s for s in sets if s.in_force_from <= year.starts_on]
    if not started:
        raise NoBoundarySetInForce(
            f"No boundary set was in force on {year.starts_on}, the first day of {year.label}.",
            financial_year=year.label,
        )
    return max(started, key=lambda s: s.in_force_from)


# --- The Community Leadership Fund ----------------------------------------------------------------


def days_as_member(member: WardMember, year: FinancialYear) -> int:
    """Days of the year on which the member was a member (``WardMember.is_current``)."""
    first = max(year.starts_on, member.term_starts_on or year.starts_on)
    last = year.ends_on
    if member.term_ends_on:
        last = min(last, member.term_ends_on)
    if member.stood_down_on:
        last = min(last, member.stood_down_on - timedelta(days=1))
    return max(0, (last - first).days + 1)


def clf_entitlement(member: WardMember, year: FinancialYear, per_member_pence: int = CLF_PER_MEMBER_PENCE) -> int:
    """The council's rule for a member elected or standing down during the year: the CLF is pro rata
    to the days of the year they were a member (from the day elected, up to the day they stand down),
    rounded down to the penny. A member for the whole year gets exactly ``per_member_pence``; a seat
    changing hands mid-year gives its two members together no more than that (at most a penny less),
    so nothing is invented."""
    days_in_year = (year.ends_on - year.starts_on).days + 1
    return per_member_pence * days_as_member(member, year) // days_in_year


# --- Sharing a council total across wards ---------------------------------------------------------


@dataclass(frozen=True)
class Sharing:
    """A council total shared evenly across the wards of a boundary set, in pence.

    Every ward gets ``share_pence``; the ``remainder_pence`` left by the division go one penny each
    to the first wards in GSS-code order (``remainder_wards``), so the shares add up to the total exactly.
    """

    council: str
    financial_year: str
    kind: BudgetKind
    boundary_set: str
    total_pence: int
    shares: dict[str, int]
    share_pence: int
    remainder_pence: int
    remainder_wards: tuple[str, ...]
    id: str = field(default_factory=new_id)


def share_evenly(
    *,
    council: str,
    year: FinancialYear,
    kind: BudgetKind,
    boundary_set: str,
    total_pence: int,
    gss_codes: Iterable[str],
) -> Sharing:
    if kind not in WARD_BUDGETS:
        raise InvalidBudget(f"Only ward budgets are shared across wards, not {kind}.", kind=str(kind))
    if not 0 <= total_pence <= MAX_COUNCIL_TOTAL_PENCE:
        raise InvalidBudget(
            f"A council total is between 0 and {MAX_COUNCIL_TOTAL_PENCE} pence, not {total_pence}.",
            total_pence=total_pence,
        )
    codes = sorted(set(gss_codes))
    if not codes:
        raise InvalidBudget(
            f"Boundary set {boundary_set} has no wards to share {kind} across.", boundary_set=boundary_set
        )
    share, remainder = divmod(total_pence, len(codes))
    return Sharing(
        council=council,
        financial_year=year.label,
        kind=kind,
        boundary_set=boundary_set,
        total_pence=total_pence,
        shares={code: share + (1 if i < remainder else 0) for i, code in enumerate(codes)},
        share_pence=share,
        remainder_pence=remainder,
        remainder_wards=tuple(codes[:remainder]),
    )


# --- A budget and its ledger ----------------------------------------------------------------------


@dataclass
class Budget:
    """One ward's budget of one kind for a financial year; a CLF budget is one member's."""

    council: str
    gss_code: str
    financial_year: str
    kind: BudgetKind
    allocated_pence: int
    member_id: str | None = None
    pooled_in_pence: int = 0
    pooled_out_pence: int = 0
    held_pence: int = 0
    committed_pence: int = 0
    spent_pence: int = 0
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if (self.kind == BudgetKind.CLF) != (self.member_id is not None):
            raise InvalidBudget("A CLF budget is one member's; a ward budget is no member's.", kind=str(self.kind))

    @property
    def total_pence(self) -> int:
        """What the budget has to spend: its allocation, with what was pooled in, less what was pooled out."""
        return self.allocated_pence + self.pooled_in_pence - self.pooled_out_pence

    @property
    def available_pence(self) -> int:
        return self.total_pence - self.held_pence - self.committed_pence - self.spent_pence

    def hold(self, amount_pence: int) -> None:
        """Hold money for a request awaiting approval; refused, holding nothing, when there is not the room."""
        self.ensure_room(amount_pence)
        self.held_pence += amount_pence

    def ensure_room(self, amount_pence: int) -> None:
        if amount_pence > self.available_pence:
            raise BudgetExceeded(
                f"The {self.kind} budget {self.id} has {self.available_pence} pence available, not {amount_pence}.",
                budget_id=self.id,
                available_pence=self.available_pence,
                amount_pence=amount_pence,
            )

    def commit_held(self, amount_pence: int) -> None:
        self.held_pence -= amount_pence
        self.committed_pence += amount_pence

    def release_held(self, amount_pence: int) -> None:
        self.held_pence -= amount_pence

    def release_committed(self, amount_pence: int) -> None:
        self.committed_pence -= amount_pence

    def spend_committed(self, committed_pence: int, spent_pence: int) -> None:
        """Money committed is spent, perhaps less than committed: the rest is released."""
        self.committed_pence -= committed_pence
        self.spent_pence += spent_pence

    def entitle(self, allocated_pence: int) -> None:
        """A CLF re-worked by the member rule: never below what the member has already used."""
        used = self.held_pence + self.committed_pence + self.spent_pence + self.pooled_out_pence
        self.allocated_pence = max(allocated_pence, used - self.pooled_in_pence)


@dataclass
class BudgetYear:
    """A council's devolved budgets for a financial year were set, with this CLF per member."""

    council: str
    financial_year: str
    clf_per_member_pence: int
    set_by: str
    set_at: datetime = field(default_factory=now)


@dataclass
class Pooling:
    """CLF money a member agreed to pool into their ward's revenue budget; it keeps its origin."""

    council: str
    gss_code: str
    financial_year: str
    from_budget_id: str
    to_budget_id: str
    member_id: str
    amount_pence: int
    pooled_by: str
    pooled_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)


def pool(clf: Budget, ward_budget: Budget, amount_pence: int, pooled_by: str) -> Pooling:
    """A member pools (part of) their CLF into the ward revenue budget of the same ward and year."""
    if clf.kind != BudgetKind.CLF or clf.member_id is None:
        raise NotPoolable("Only a member's CLF is pooled.", budget_id=clf.id)
    if (ward_budget.kind, ward_budget.gss_code, ward_budget.financial_year) != (
        BudgetKind.REVENUE,
        clf.gss_code,
        clf.financial_year,
    ):
        raise NotPoolable("A CLF pools into its own ward's revenue budget of the same year.", budget_id=ward_budget.id)
    if amount_pence <= 0:
        raise InvalidBudget("An amount pooled is a positive number of pence.", amount_pence=amount_pence)
    clf.ensure_room(amount_pence)
    clf.pooled_out_pence += amount_pence
    ward_budget.pooled_in_pence += amount_pence
    return Pooling(
        council=clf.council,
        gss_code=clf.gss_code,
        financial_year=clf.financial_year,
        from_budget_id=clf.id,
        to_budget_id=ward_budget.id,
        member_id=clf.member_id,
        amount_pence=amount_pence,
        pooled_by=pooled_by,
    )


def year_budgets(
    *,
    council: str,
    year: FinancialYear,
    sharings: Sequence[Sharing],
    members: Iterable[WardMember],
    clf_per_member_pence: int = CLF_PER_MEMBER_PENCE,
) -> list[Budget]:
    """A year's budgets: each ward's share of each council total, and each member's CLF (if any)."""
    if not 0 <= clf_per_member_pence <= MAX_CLF_PER_MEMBER_PENCE:
        raise InvalidBudget(
            f"A CLF is between 0 and {MAX_CLF_PER_MEMBER_PENCE} pence a member, not {clf_per_member_pence}.",
            clf_per_member_pence=clf_per_member_pence,
        )
    budgets = [
        Budget(council=council, gss_code=code, financial_year=year.label, kind=s.kind, allocated_pence=pence)
        for s in sharings
        for code, pence in s.shares.items()
    ]
    for member in members:
        days = days_as_member(member, year)
        if days:
            budgets.append(
                Budget(
                    council=council,
                    gss_code=member.gss_code,
                    financial_year=year.label,
                    kind=BudgetKind.CLF,
                    member_id=member.id,
                    allocated_pence=clf_entitlement(member, year, clf_per_member_pence),
                )
            )
    return budgets
