"""The offer and its payment: an award offered on conditions, accepted, and paid in tranches that
finance approves before each is paid; an underspend cancels what is left and gives it back to the funders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.grants.domain.errors import IllegalTransition, InvalidOffer, NothingPaidYet, TrancheNotFound
from services.grants.domain.fund import Commitment, Fund
from services.grants.domain.ids import new_id
from services.grants.domain.lifecycle import MOVES, ApplicationStatus, Lifecycle


class TrancheStatus(StrEnum):
    PLANNED = "planned"
    APPROVED = "approved"
    PAID = "paid"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class Tranche:
    """One payment of an award; finance approves it before it is paid."""

    sequence: int
    amount_pence: int
    due_on: date | None = None
    status: str = TrancheStatus.PLANNED
    approved_by: str | None = None
    approved_at: datetime | None = None
    paid_at: datetime | None = None
    id: str = field(default_factory=new_id)

    def approve(self, by: str, now: datetime) -> None:
        if self.status != TrancheStatus.PLANNED:
            raise IllegalTransition(f"tranche {self.sequence}", self.status, "approve")
        self.status, self.approved_by, self.approved_at = TrancheStatus.APPROVED, by, now

    def pay(self, now: datetime) -> None:
        if self.status != TrancheStatus.APPROVED:
            raise IllegalTransition(f"tranche {self.sequence}", self.status, "pay")
        self.status, self.paid_at = TrancheStatus.PAID, now

    def cancel(self) -> None:
        if self.status == TrancheStatus.PAID:
            raise IllegalTransition(f"tranche {self.sequence}", self.status, "cancel")
        self.status = TrancheStatus.CANCELLED


class PaymentMoves(Lifecycle):
    """The part of an ``Application`` that is offered, accepted and paid."""

    id: str
    amount_awarded_pence: int | None
    conditions: list[str]
    commitments: list[Commitment]
    tranches: list[Tranche]

    def offer(self, conditions: Sequence[str], tranches: Sequence[tuple[int, date | None]], now: datetime) -> None:
        """Offer the award on conditions, paid in tranches that add up to the award (one tranche if none given)."""
        allowed, _ = MOVES["offer"]
        if self.status not in allowed:
            raise IllegalTransition("application", self.status, "offer")
        awarded = self.amount_awarded_pence or 0
        plan = list(tranches) or [(awarded, None)]
        if any(amount <= 0 for amount, _ in plan):
            raise InvalidOffer("Every tranche must be more than 0 pence.")
        if sum(amount for amount, _ in plan) != awarded:
            raise InvalidOffer(
                f"The tranches add up to {sum(a for a, _ in plan)} pence, not the {awarded} pence awarded.",
                amount_awarded_pence=awarded,
            )
        self._move("offer")
        self.conditions = list(conditions)
        self.tranches = [Tranche(n, amount, due) for n, (amount, due) in enumerate(plan, start=1)]
        self.updated_at = now

    def accept(self, now: datetime) -> None:
        self._move("accept")
        self.updated_at = now

    def tranche(self, sequence: int) -> Tranche:
        for tranche in self.tranches:
            if tranche.sequence == sequence:
                return tranche
        raise TrancheNotFound(self.id, sequence)

    def approve_tranche(self, sequence: int, by: str, now: datetime) -> Tranche:
        if self.status != ApplicationStatus.ACCEPTED:
            raise IllegalTransition("application", self.status, "approve_tranche")
        tranche = self.tranche(sequence)
        tranche.approve(by, now)
        self.updated_at = now
        return tranche

    def pay_tranche(self, fund: Fund, sequence: int, now: datetime) -> list[tuple[str, int]]:
        """Pay an approved tranche from the award's commitments; the last one makes the grant paid."""
        if self.status != ApplicationStatus.ACCEPTED:
            raise IllegalTransition("application", self.status, "pay_tranche")
        tranche = self.tranche(sequence)
        tranche.pay(now)
        shares = fund.pay(self.commitments, tranche.amount_pence)
        if all(t.status == TrancheStatus.PAID for t in self.tranches):
            self._move("mark_paid")
        self.updated_at = now
        return shares

    @property
    def amount_paid_pence(self) -> int:
        return sum(t.amount_pence for t in self.tranches if t.status == TrancheStatus.PAID)

    @property
    def amount_released_pence(self) -> int:
        """What the award gave back to its funders: all of it on withdrawal, the unpaid part on an underspend."""
        return sum(c.released_pence for c in self.commitments)

    def cancel_remaining_tranches(self, fund: Fund, now: datetime) -> tuple[list[Tranche], list[tuple[str, int]]]:
        """An underspend: the grantee needs no more than it has been paid.

        The tranches not yet paid are cancelled and what they had committed goes back to each funder
        (fund available goes up); what was paid is now the whole grant, which moves on to monitoring.
        Returns the cancelled tranches and the (contribution id, pence) released to each funder.
        """
        if self.status != ApplicationStatus.ACCEPTED:
            raise IllegalTransition("application", self.status, "cancel_remaining_tranches")
        if not self.amount_paid_pence:
            raise NothingPaidYet(self.id)
        cancelled = [t for t in self.tranches if t.status != TrancheStatus.PAID]
        for tranche in cancelled:
            tranche.cancel()
        released = [(c.contribution_id, c.outstanding_pence) for c in self.commitments if c.outstanding_pence]
        fund.release(self.commitments)
        self._move("mark_paid")
        self.updated_at = now
        return cancelled, released
