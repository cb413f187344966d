"""The small-grants fund in the council's words: funds and their funders, applications,
assessment by the forum, awards committed against the fund, and payment in tranches.

Plain Python with no framework: every rule of the fund lives here and is tested
in microseconds. The database mapping is in ``tables.py``; the API turns the
errors below into problem documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

DEFAULT_CRITERIA: tuple[str, ...] = ("community benefit", "need", "deliverability", "value for money")
DEFAULT_QUORUM = 3
MAX_SCORE = 5


def new_id() -> str:
    return str(uuid.uuid4())


# --- Errors ---------------------------------------------------------------------------------------


class GrantsError(Exception):
    """A rule of the fund was broken; ``facts`` name what was wrong for the caller."""

    title = "Rule broken"

    def __init__(self, detail: str, **facts: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts: dict[str, Any] = facts


class InvalidFund(GrantsError):
    title = "Invalid fund"


class InvalidApplication(GrantsError):
    title = "Invalid application"


class UnknownWards(InvalidApplication):
    title = "Unknown wards"

    def __init__(self, codes: Sequence[str], council: str) -> None:
        super().__init__(
            f"Ward(s) {', '.join(codes)} are not wards of council {council}.",
            unknown_ward_codes=list(codes),
        )


class InvalidScore(GrantsError):
    title = "Invalid score"


class InvalidOffer(GrantsError):
    title = "Invalid offer"


class IllegalTransition(GrantsError):
    """An action the current state does not allow."""

    title = "Illegal transition"

    def __init__(self, what: str, current: str, action: str) -> None:
        super().__init__(
            f"Cannot {action.replace('_', ' ')} the {what}: it is {current.replace('_', ' ')}.",
            current_state=current,
            attempted_action=action,
        )


class FundNotOpen(GrantsError):
    title = "Fund not open"

    def __init__(self, fund_id: str, status: str) -> None:
        super().__init__(
            f"Fund {fund_id} is {status}; applications are accepted only while it is open.", fund_status=status
        )


class Overcommitted(GrantsError):
    title = "Fund overcommitted"

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(
            f"An award of {requested} pence exceeds the {available} pence still uncommitted in the fund.",
            requested_pence=requested,
            available_pence=available,
        )


class QuorumNotMet(GrantsError):
    title = "Quorum not met"

    def __init__(self, present: int, needed: int) -> None:
        super().__init__(
            f"{present} forum member(s) without a conflict of interest have scored; the panel needs {needed}.",
            scored=present,
            quorum=needed,
        )


class ConflictOfInterest(GrantsError):
    title = "Conflict of interest"


# --- Money ----------------------------------------------------------------------------------------


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


# --- Applications ---------------------------------------------------------------------------------


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_ASSESSMENT = "in_assessment"
    RECOMMENDED = "recommended"
    NOT_RECOMMENDED = "not_recommended"
    APPROVED = "approved"
    REJECTED = "rejected"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    PAID = "paid"
    MONITORING = "monitoring"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


S = ApplicationStatus
BEFORE_PAYMENT = frozenset(
    {S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.RECOMMENDED, S.NOT_RECOMMENDED, S.APPROVED, S.OFFERED, S.ACCEPTED}
)
SCORING = frozenset({S.IN_ASSESSMENT, S.RECOMMENDED, S.NOT_RECOMMENDED})
AWARDED = frozenset({S.APPROVED, S.OFFERED, S.ACCEPTED, S.PAID, S.MONITORING, S.CLOSED})

# action -> (states it is allowed from, state it leads to)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "start_assessment": (frozenset({S.SUBMITTED}), S.IN_ASSESSMENT),
    "recommend": (frozenset({S.IN_ASSESSMENT}), S.RECOMMENDED),
    "not_recommend": (frozenset({S.IN_ASSESSMENT}), S.NOT_RECOMMENDED),
    # The panel decides on every assessed application, whatever the recommendation.
    "approve": (frozenset({S.RECOMMENDED, S.NOT_RECOMMENDED}), S.APPROVED),
    "reject": (frozenset({S.RECOMMENDED, S.NOT_RECOMMENDED}), S.REJECTED),
    "offer": (frozenset({S.APPROVED}), S.OFFERED),
    "accept": (frozenset({S.OFFERED}), S.ACCEPTED),
    "mark_paid": (frozenset({S.ACCEPTED}), S.PAID),
    "start_monitoring": (frozenset({S.PAID}), S.MONITORING),
    "close": (frozenset({S.MONITORING}), S.CLOSED),
    "withdraw": (BEFORE_PAYMENT, S.WITHDRAWN),
}

# What an applicant may change in a draft; status, awards and scores move only through the lifecycle.
REVISABLE = frozenset({"organisation", "title", "summary", "amount_requested_pence", "ward_codes", "theme"})

ORGANISATION_TYPES = ("charity", "cic", "community_group", "social_enterprise", "company", "other")


@dataclass(frozen=True)
class Organisation:
    """The applicant organisation; its contact is personal data and never leaves this service."""

    name: str
    type: str
    contact_name: str
    contact_email: str
    contact_phone: str | None = None
    charity_number: str | None = None
    company_number: str | None = None

    def check(self) -> None:
        if not self.name.strip():
            raise InvalidApplication("The applicant organisation needs a name.")
        if self.type not in ORGANISATION_TYPES:
            raise InvalidApplication(f"Organisation type {self.type!r} is not one of {', '.join(ORGANISATION_TYPES)}.")
        if self.type == "charity" and not self.charity_number:
            raise InvalidApplication("A charity must give its charity number.", field="charity_number")
        if self.type in ("cic", "company") and not self.company_number:
            raise InvalidApplication(f"A {self.type} must give its company number.", field="company_number")


def check_wards(codes: Collection[str], wards_of_council: Collection[str], council: str) -> None:
    """Every benefiting ward must be one grants knows, in the fund's council."""
    if not codes:
        raise InvalidApplication("Name at least one ward that benefits.")
    unknown = sorted(set(codes) - set(wards_of_council))
    if unknown:
        raise UnknownWards(unknown, council)


@dataclass(eq=False)
class Score:
    """One forum member's marks against the fund's criteria."""

    member: str
    marks: dict[str, int]
    comments: dict[str, str] = field(default_factory=dict)
    scored_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.marks.values())


@dataclass(eq=False)
class Conflict:
    """A forum member's declared conflict of interest in one application."""

    member: str
    reason: str
    declared_at: datetime | None = None


class TrancheStatus(StrEnum):
    PLANNED = "planned"
    APPROVED = "approved"
    PAID = "paid"


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


@dataclass(eq=False)
class Application:
    """A community group's application to a fund, from draft to a closed (or withdrawn) grant."""

    fund_id: str
    council: str
    applicant: str
    organisation: Organisation
    title: str
    summary: str
    amount_requested_pence: int
    ward_codes: list[str]
    theme: str
    status: str = ApplicationStatus.DRAFT
    amount_awarded_pence: int | None = None
    recommendation_reasons: str | None = None
    decision_reasons: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    conditions: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    scores: list[Score] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    id: str = field(default_factory=new_id)

    @classmethod
    def draft(
        cls,
        fund: Fund,
        *,
        applicant: str,
        organisation: Organisation,
        title: str,
        summary: str,
        amount_requested_pence: int,
        ward_codes: Sequence[str],
        theme: str,
        wards_of_council: Collection[str],
        now: datetime,
    ) -> Application:
        fund.ensure_accepting_applications()
        application = cls(
            fund_id=fund.id,
            council=fund.council,
            applicant=applicant,
            organisation=organisation,
            title=title,
            summary=summary,
            amount_requested_pence=amount_requested_pence,
            ward_codes=list(dict.fromkeys(ward_codes)),
            theme=theme,
            created_at=now,
            updated_at=now,
        )
        application.check(fund, wards_of_council)
        return application

    def check(self, fund: Fund, wards_of_council: Collection[str]) -> None:
        """The rules an application must meet to be drafted, changed or submitted."""
        self.organisation.check()
        if not self.title.strip():
            raise InvalidApplication("An application needs a title.", field="title")
        if self.amount_requested_pence <= 0:
            raise InvalidApplication("The amount requested must be more than 0 pence.", field="amount_requested_pence")
        if self.amount_requested_pence > fund.maximum_award_pence:
            raise InvalidApplication(
                f"{self.amount_requested_pence} pence is more than the fund's maximum award of "
                f"{fund.maximum_award_pence} pence.",
                field="amount_requested_pence",
                maximum_award_pence=fund.maximum_award_pence,
            )
        if self.theme not in fund.themes:
            raise InvalidApplication(
                f"Theme {self.theme!r} is not one of the fund's themes.", field="theme", themes=list(fund.themes)
            )
        check_wards(self.ward_codes, wards_of_council, fund.council)

    def _move(self, action: str) -> str:
        allowed, target = MOVES[action]
        if self.status not in allowed:
            raise IllegalTransition("application", self.status, action)
        previous, self.status = self.status, target
        return previous

    def revise(
        self,
        fund: Fund,
        wards_of_council: Collection[str],
        now: datetime,
        **changes: object,
    ) -> None:
        """Change a draft; a submitted application is no longer the applicant's to edit."""
        if self.status != ApplicationStatus.DRAFT:
            raise IllegalTransition("application", self.status, "revise")
        not_revisable = sorted(set(changes) - REVISABLE)
        if not_revisable:
            raise InvalidApplication(f"{', '.join(not_revisable)} cannot be changed by revising a draft.")
        for name, value in changes.items():
            if name == "ward_codes":
                value = list(dict.fromkeys(value))  # type: ignore[call-overload]
            setattr(self, name, value)
        self.check(fund, wards_of_council)
        self.updated_at = now

    def submit(self, fund: Fund, wards_of_council: Collection[str], now: datetime) -> None:
        if self.status == ApplicationStatus.DRAFT:
            fund.ensure_accepting_applications()
            self.check(fund, wards_of_council)
        self._move("submit")
        self.submitted_at = self.updated_at = now

    def start_assessment(self, now: datetime) -> None:
        self._move("start_assessment")
        self.updated_at = now

    # Assessment by the forum

    def declare_conflict(self, member: str, reason: str, now: datetime) -> None:
        """A conflicted member's score no longer counts, and they cannot score this application."""
        if self.status not in SCORING and self.status != ApplicationStatus.SUBMITTED:
            raise IllegalTransition("application", self.status, "declare_conflict")
        if any(c.member == member for c in self.conflicts):
            return
        self.conflicts.append(Conflict(member, reason, now))
        self.scores = [s for s in self.scores if s.member != member]
        self.updated_at = now

    def score(self, fund: Fund, member: str, marks: dict[str, int], comments: dict[str, str], now: datetime) -> None:
        if self.status not in SCORING:
            raise IllegalTransition("application", self.status, "score")
        if any(c.member == member for c in self.conflicts):
            raise ConflictOfInterest("You declared a conflict of interest in this application and cannot score it.")
        missing = [c for c in fund.criteria if c not in marks]
        unknown = [c for c in marks if c not in fund.criteria]
        if missing or unknown:
            raise InvalidScore(
                "Score every one of the fund's criteria, and only those.",
                missing_criteria=missing,
                unknown_criteria=unknown,
                criteria=list(fund.criteria),
            )
        out_of_range = {c: m for c, m in marks.items() if not 0 <= m <= MAX_SCORE}
        if out_of_range:
            raise InvalidScore(f"Each mark is from 0 to {MAX_SCORE}.", out_of_range=out_of_range)
        stray = [c for c in comments if c not in fund.criteria]
        if stray:
            raise InvalidScore("Comments must be on the fund's criteria.", unknown_criteria=stray)
        self.scores = [s for s in self.scores if s.member != member] + [Score(member, dict(marks), dict(comments), now)]
        self.updated_at = now

    @property
    def counted_scores(self) -> list[Score]:
        conflicted = {c.member for c in self.conflicts}
        return [s for s in self.scores if s.member not in conflicted]

    @property
    def average_score(self) -> float | None:
        counted = self.counted_scores
        return sum(s.total for s in counted) / len(counted) if counted else None

    def recommend(self, recommended: bool, reasons: str, now: datetime) -> None:
        self._move("recommend" if recommended else "not_recommend")
        self.recommendation_reasons, self.updated_at = reasons, now

    def approve(self, fund: Fund, *, reasons: str, by: str, now: datetime, amount_pence: int | None = None) -> None:
        """The panel's decision to award: needs quorum, and commits the award against the fund."""
        allowed, _ = MOVES["approve"]
        if self.status not in allowed:
            raise IllegalTransition("application", self.status, "approve")
        self._ensure_quorum(fund)
        amount = self.amount_requested_pence if amount_pence is None else amount_pence
        if not 0 < amount <= self.amount_requested_pence:
            raise InvalidApplication(
                f"The award must be more than 0 and at most the {self.amount_requested_pence} pence requested.",
                field="amount_awarded_pence",
            )
        self.commitments = fund.commit(self.id, amount)
        self._move("approve")
        self.amount_awarded_pence = amount
        self.decision_reasons, self.decided_by, self.decided_at, self.updated_at = reasons, by, now, now

    def reject(self, fund: Fund, *, reasons: str, by: str, now: datetime) -> None:
        allowed, _ = MOVES["reject"]
        if self.status not in allowed:
            raise IllegalTransition("application", self.status, "reject")
        self._ensure_quorum(fund)
        self._move("reject")
        self.decision_reasons, self.decided_by, self.decided_at, self.updated_at = reasons, by, now, now

    def _ensure_quorum(self, fund: Fund) -> None:
        present = len(self.counted_scores)
        if present < fund.quorum:
            raise QuorumNotMet(present, fund.quorum)

    # The offer and its payment

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
        raise LookupError(sequence)

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

    def start_monitoring(self, now: datetime) -> None:
        self._move("start_monitoring")
        self.updated_at = now

    def close(self, now: datetime) -> None:
        self._move("close")
        self.updated_at = now

    def withdraw(self, fund: Fund, now: datetime) -> tuple[str, int]:
        """Withdraw before any money is paid; an award's commitment goes back to its funders."""
        allowed, _ = MOVES["withdraw"]
        if self.status not in allowed or self.amount_paid_pence:
            raise IllegalTransition("application", self.status, "withdraw")
        released = fund.release(self.commitments)
        previous = self._move("withdraw")
        self.updated_at = now
        return previous, released


# --- The fund's report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FunderLine:
    contribution_id: str
    funder_name: str
    contributed_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int


@dataclass(frozen=True)
class AwardLine:
    key: str
    awards: int
    amount_pence: int


@dataclass(frozen=True)
class FundReport:
    fund_id: str
    contributed_pence: int
    committed_pence: int
    paid_pence: int
    available_pence: int
    funders: list[FunderLine]
    by_ward: list[AwardLine]
    by_theme: list[AwardLine]


def report_on(fund: Fund, applications: Iterable[Application]) -> FundReport:
    """What each funder gave, committed, paid and has left; awards by ward and by theme.

    An award benefiting several wards is split evenly between them (pennies
    apportioned deterministically), so the ward lines add up to the total awarded.
    """
    wards: dict[str, list[int]] = {}
    themes: dict[str, list[int]] = {}
    for application in applications:
        if application.status not in AWARDED or not application.amount_awarded_pence:
            continue
        amount = application.amount_awarded_pence
        line = themes.setdefault(application.theme, [0, 0])
        line[0], line[1] = line[0] + 1, line[1] + amount
        codes = sorted(application.ward_codes)
        for code, share in zip(codes, apportion(amount, [1] * len(codes)), strict=True):
            line = wards.setdefault(code, [0, 0])
            line[0], line[1] = line[0] + 1, line[1] + share
    return FundReport(
        fund_id=fund.id,
        contributed_pence=fund.total_contributions_pence,
        committed_pence=fund.committed_pence,
        paid_pence=fund.paid_pence,
        available_pence=fund.available_pence,
        funders=[
            FunderLine(c.id, c.funder_name, c.amount_pence, c.committed_pence, c.paid_pence, c.available_pence)
            for c in fund.contributions
        ],
        by_ward=[AwardLine(k, n, a) for k, (n, a) in sorted(wards.items())],
        by_theme=[AwardLine(k, n, a) for k, (n, a) in sorted(themes.items())],
    )


# --- The ward directory (grants' own copy of the wards) --------------------------------------------


@dataclass(eq=False)
class KnownWard:
    """A ward as the wards service last published it; grants never reads the wards database."""

    gss_code: str
    name: str
    local_authority_gss: str
    boundary_set: str
