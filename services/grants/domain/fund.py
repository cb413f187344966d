"""The fund and its ledger: funders' contributions, awards committed against them, and payments.

The ledger's rule: the sum of awards never exceeds the sum of contributions, and every
awarded or paid penny is attributed to a funder, pro rata and pence exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.grants.domain.errors import FundNotOpen, IllegalTransition, InvalidFund, Overcommitted
from services.grants.domain.ids import new_id

DEFAULT_CRITERIA: tuple[str, ...] = ("community benefit", "need", "deliverability", "value for money")
DEFAULT_QUORUM = 3


def apportion(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` pence pro rata to ``weights`` (largest remainder method).

    The shares sum to ``amount`` exactly; a penny left over by rounding goes to
    the weight with the largest fractional part, ties to the earlier weight, so
    the same inputs always give the same split. No share exceeds its weight
    when ``amount <= sum(weights)``.
    """
    total = sum(weights)
    if amount < 0 or any(w < 0 for w in weights):
        raise ValueError("amounts and weights must not be negative")
    if amount == 0:
        return [0] * len(weights)
    if total <= 0:
        raise ValueError("cannot apportion against nothing")
    shares = [amount * w // total for w in weights]
    remainders = [amount * w % total for w in weights]
    leftover = amount - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
        shares[index] += 1
    return shares


# --- Funds ----------------------------------------------------------------------------------------


class FundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(eq=False)
class Contribution:
    """Money one funder puts into a fund (e.g. £5,000 from Rotherham Together Partnership)."""

    funder_name: str
    amount_pence: int
    funder_organisation_id: str | None = None
    charity_number: str | None = None
    position: int = 0
    committed_pence: int = 0
    paid_pence: int = 0
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if not self.funder_name.strip():
            raise InvalidFund("A contribution needs the funder's name.")
        if self.amount_pence <= 0:
            raise InvalidFund(
                f"The contribution from {self.funder_name} must be more than 0 pence.", funder=self.funder_name
            )

    @property
    def available_pence(self) -> int:
        return self.amount_pence - self.committed_pence


@dataclass(eq=False)
class Commitment:
    """The part of one award attributed to one funder's contribution."""

    application_id: str
    contribution_id: str
    amount_pence: int
    paid_pence: int = 0
    released_pence: int = 0
    id: str = field(default_factory=new_id)

    @property
    def outstanding_pence(self) -> int:
        return self.amount_pence - self.paid_pence - self.released_pence


@dataclass(eq=False)
class Fund:
    """A small-grants fund overseen by a panel (e.g. the Stronger Communities Forum)."""

    council: str
    name: str
    themes: list[str]
    maximum_award_pence: int
    description: str = ""
    eligibility: str = ""
    panel_name: str = ""
    opens_on: date | None = None
    closes_on: date | None = None
    criteria: list[str] = field(default_factory=lambda: list(DEFAULT_CRITERIA))
    quorum: int = DEFAULT_QUORUM
    contributions: list[Contribution] = field(default_factory=list)
    status: str = FundStatus.DRAFT
    created_by: str | None = None
    created_at: datetime | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidFund("A fund needs a name.")
        if not self.themes or any(not t.strip() for t in self.themes):
            raise InvalidFund("A fund needs at least one theme, and no theme may be blank.")
        if len(set(self.themes)) != len(self.themes):
            raise InvalidFund("A fund's themes must be different from each other.")
        if not self.criteria or len(set(self.criteria)) != len(self.criteria):
            raise InvalidFund("A fund needs at least one assessment criterion, each named once.")
        if self.maximum_award_pence <= 0:
            raise InvalidFund("The maximum award must be more than 0 pence.")
        if self.quorum < 1:
            raise InvalidFund("The panel's quorum must be at least 1.")
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise InvalidFund(f"The fund closes ({self.closes_on}) before it opens ({self.opens_on}).")
        for position, contribution in enumerate(self.contributions):
            contribution.position = position

    @property
    def total_contributions_pence(self) -> int:
        return sum(c.amount_pence for c in self.contributions)

    @property
    def committed_pence(self) -> int:
        return sum(c.committed_pence for c in self.contributions)

    @property
    def paid_pence(self) -> int:
        return sum(c.paid_pence for c in self.contributions)

    @property
    def available_pence(self) -> int:
        return self.total_contributions_pence - self.committed_pence

    def open(self, now: datetime) -> None:
        if self.status != FundStatus.DRAFT:
            raise IllegalTransition("fund", self.status, "open")
        if self.total_contributions_pence <= 0:
            raise InvalidFund("A fund opens only once funders have contributed to it.")
        self.status, self.opened_at = FundStatus.OPEN, now

    def close(self, now: datetime) -> None:
        if self.status != FundStatus.OPEN:
            raise IllegalTransition("fund", self.status, "close")
        self.status, self.closed_at = FundStatus.CLOSED, now

    def due_to_open(self, today: date) -> bool:
        """A draft whose opening date has come, and whose closing date has not yet passed."""
        return (
            self.status == FundStatus.DRAFT
            and self.opens_on is not None
            and self.opens_on <= today
            and (self.closes_on is None or today <= self.closes_on)
        )

    def due_to_close(self, today: date) -> bool:
        """An open fund stays open through its closing date and closes the day after."""
        return self.status == FundStatus.OPEN and self.closes_on is not None and self.closes_on < today

    def ensure_accepting_applications(self) -> None:
        if self.status != FundStatus.OPEN:
            raise FundNotOpen(self.id, self.status)

    def commit(self, application_id: str, amount_pence: int) -> list[Commitment]:
        """Commit an award against the fund, attributing every penny to a funder.

        The award is split pro rata to what each funder still has uncommitted:
        since every earlier award was split the same way, that keeps each
        funder's share in proportion to its contribution (to the penny), and no
        funder is ever committed beyond what it gave.
        """
        if self.status == FundStatus.DRAFT:
            raise IllegalTransition("fund", self.status, "commit")
        if amount_pence <= 0:
            raise InvalidFund("An award must be more than 0 pence.")
        if amount_pence > self.available_pence:
            raise Overcommitted(amount_pence, self.available_pence)
        shares = apportion(amount_pence, [c.available_pence for c in self.contributions])
        commitments = []
        for contribution, share in zip(self.contributions, shares, strict=True):
            if share:
                contribution.committed_pence += share
                commitments.append(Commitment(application_id, contribution.id, share))
        return commitments

    def release(self, commitments: Iterable[Commitment]) -> int:
        """Give back to each funder what an award had committed and not yet paid; returns pence released."""
        by_id = {c.id: c for c in self.contributions}
        released = 0
        for commitment in commitments:
            amount = commitment.outstanding_pence
            by_id[commitment.contribution_id].committed_pence -= amount
            commitment.released_pence += amount
            released += amount
        return released

    def pay(self, commitments: Sequence[Commitment], amount_pence: int) -> list[tuple[str, int]]:
        """Attribute a payment to the funders of the award it is paid from; returns (contribution id, pence)."""
        outstanding = [c.outstanding_pence for c in commitments]
        if amount_pence > sum(outstanding):
            raise Overcommitted(amount_pence, sum(outstanding))
        by_id = {c.id: c for c in self.contributions}
        paid = []
        for commitment, share in zip(commitments, apportion(amount_pence, outstanding), strict=True):
            if share:
                commitment.paid_pence += share
                by_id[commitment.contribution_id].paid_pence += share
                paid.append((commitment.contribution_id, share))
        return paid
