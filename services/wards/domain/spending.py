"""Spending a devolved budget: a spend request and its life.

Decision-making is delegated to wards, "with spend approved by the Assistant Director of
Housing and Neighbourhood Services" (the approver role). A spend request holds its money in
the budget while it awaits approval; approved, the money is committed; then it is recorded as
spent (perhaps less, releasing the rest) or cancelled. Refused or cancelled, the money is
released. A member spends only their own CLF; capital money only buys capital items.

    awaiting_approval ──approve──► committed ──record spent──► spent
            │                          │
            └──refuse──► refused       └──cancel──► cancelled  (also from awaiting_approval)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.wards.domain.budgets import MAX_COUNCIL_TOTAL_PENCE, Budget, BudgetKind
from services.wards.domain.wards import WardsError, new_id
from shared.calendar import now
from shared.rules import IllegalState


class SpendStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    COMMITTED = "committed"
    REFUSED = "refused"
    SPENT = "spent"
    CANCELLED = "cancelled"


class InvalidSpend(WardsError):
    title = "Invalid spend request"


class UnknownSpendRequest(WardsError):
    status = 404
    title = "Spend request not found"


class NotACapitalItem(WardsError):
    title = "Not a capital item"


class NotYourFund(WardsError):
    """A member spends only their own Community Leadership Fund."""

    status = 403
    title = "Not your fund"


MAX_REASON_LENGTH = 2_000


@dataclass
class SpendApprover:
    """Who approves a council's ward spending (the paper's Assistant Director of Housing and Neighbourhood
    Services): emailed when a request awaits them. Name and email are personal data, never in an event."""

    council: str
    email: str
    name: str


@dataclass
class SpendRequest:
    council: str
    gss_code: str
    budget_id: str
    budget_kind: BudgetKind
    financial_year: str
    amount_pence: int
    purpose: str
    capital_item: bool
    requested_by: str
    member_id: str | None = None
    ward_plan_priority: str | None = None
    meeting_id: str | None = None
    decision_position: int | None = None
    status: SpendStatus = SpendStatus.AWAITING_APPROVAL
    requested_at: datetime = field(default_factory=now)
    decided_by: str | None = None
    decided_at: datetime | None = None
    refusal_reason: str | None = None
    spent_pence: int | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    cancelled_reason: str | None = None
    id: str = field(default_factory=new_id)

    def _ensure(self, allowed: Iterable[SpendStatus], doing: str) -> None:
        if self.status not in allowed:
            raise IllegalState(
                f"Spend request {self.id} is {self.status}: it cannot be {doing}.",
                current=str(self.status),
                spend_request_id=self.id,
            )

    def approve(self, budget: Budget, by: str) -> None:
        """The approver agrees: the money held is committed."""
        self._ensure([SpendStatus.AWAITING_APPROVAL], "approved")
        budget.commit_held(self.amount_pence)
        self.status, self.decided_by, self.decided_at = SpendStatus.COMMITTED, by, now()

    def refuse(self, budget: Budget, by: str, reason: str) -> None:
        """The approver refuses, saying why: the money held is released."""
        self._ensure([SpendStatus.AWAITING_APPROVAL], "refused")
        self.refusal_reason = _reason(reason, "refusal")
        budget.release_held(self.amount_pence)
        self.status, self.decided_by, self.decided_at = SpendStatus.REFUSED, by, now()

    def record_spent(self, budget: Budget, spent_pence: int, by: str) -> int:
        """Finance records what was spent, at most what was committed; returns the pence released."""
        self._ensure([SpendStatus.COMMITTED], "recorded as spent")
        if not 0 < spent_pence <= self.amount_pence:
            raise InvalidSpend(
                f"Spent is more than nothing and at most the {self.amount_pence} pence committed, not {spent_pence}.",
                spent_pence=spent_pence,
                amount_pence=self.amount_pence,
            )
        budget.spend_committed(self.amount_pence, spent_pence)
        self.status, self.spent_pence, self.recorded_by, self.recorded_at = SpendStatus.SPENT, spent_pence, by, now()
        return self.amount_pence - spent_pence

    def cancel(self, budget: Budget, by: str, reason: str) -> int:
        """Cancelled before it is spent, awaiting approval or committed: its money is released (returned)."""
        self._ensure([SpendStatus.AWAITING_APPROVAL, SpendStatus.COMMITTED], "cancelled")
        self.cancelled_reason = _reason(reason, "cancellation")
        if self.status == SpendStatus.AWAITING_APPROVAL:
            budget.release_held(self.amount_pence)
        else:
            budget.release_committed(self.amount_pence)
        self.status, self.recorded_by, self.recorded_at = SpendStatus.CANCELLED, by, now()
        return self.amount_pence


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise InvalidSpend(f"A {what} gives its reason, in at most {MAX_REASON_LENGTH} characters.")
    return reason


def request_spend(
    budget: Budget,
    *,
    amount_pence: int,
    purpose: str,
    capital_item: bool,
    requested_by: str,
    as_member: str | None = None,
    ward_plan_priority: str | None = None,
    meeting_id: str | None = None,
    decision_position: int | None = None,
) -> SpendRequest:
    """A request to spend from ``budget``, holding its money until the approver decides.

    ``as_member``: the member asking for themself (a ward member's own request), who may ask only
    of their own CLF; a ward meeting's decision or an officer asks of any budget of the ward.
    """
    if not 0 < amount_pence <= MAX_COUNCIL_TOTAL_PENCE:
        raise InvalidSpend(
            f"A spend request is for between 1 and {MAX_COUNCIL_TOTAL_PENCE} pence, not {amount_pence}.",
            amount_pence=amount_pence,
        )
    if not purpose.strip():
        raise InvalidSpend("A spend request says what the money is for.")
    if as_member is not None and (budget.kind != BudgetKind.CLF or budget.member_id != as_member):
        raise NotYourFund(
            "A ward member asks to spend only their own Community Leadership Fund; ward budgets are spent by "
            "decision of a ward meeting.",
            budget_id=budget.id,
        )
    if budget.kind == BudgetKind.CAPITAL and not capital_item:
        raise NotACapitalItem(
            "Capital money only buys capital items (equipment, works, lasting assets).", budget_id=budget.id
        )
    budget.hold(amount_pence)
    return SpendRequest(
        council=budget.council,
        gss_code=budget.gss_code,
        budget_id=budget.id,
        budget_kind=budget.kind,
        financial_year=budget.financial_year,
        amount_pence=amount_pence,
        purpose=purpose.strip(),
        capital_item=capital_item,
        requested_by=requested_by,
        member_id=budget.member_id,
        ward_plan_priority=ward_plan_priority,
        meeting_id=meeting_id,
        decision_position=decision_position,
    )
