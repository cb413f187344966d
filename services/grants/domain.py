"""The small-grants fund in the council's words: funds and their funders, applications,
assessment by the forum, awards committed against the fund, and payment in tranches.

Plain Python with no framework: every rule of the fund lives here and is tested
in microseconds. The database mapping is in ``tables.py``; the API turns the
errors below into problem documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.calendar import FinancialYear, today_in_london
from shared.rules import RuleBroken

DEFAULT_CRITERIA: tuple[str, ...] = ("community benefit", "need", "deliverability", "value for money")
DEFAULT_QUORUM = 3
MAX_SCORE = 5
# How many days before 31 March a grant is reminded that its monitoring report is due.
DEFAULT_REPORT_NOTICE_DAYS = 30


def new_id() -> str:
    return str(uuid.uuid4())


# --- Errors ---------------------------------------------------------------------------------------


class GrantsError(RuleBroken):
    """A rule of the fund was broken; ``facts`` name what was wrong for the caller (422 unless said)."""


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
    status = 409  # the state of the fund or application forbids it
    """An action the current state does not allow."""

    title = "Illegal transition"

    def __init__(self, what: str, current: str, action: str) -> None:
        super().__init__(
            f"Cannot {action.replace('_', ' ')} the {what}: it is {current.replace('_', ' ')}.",
            current_state=current,
            attempted_action=action,
        )


class FundNotOpen(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Fund not open"

    def __init__(self, fund_id: str, status: str) -> None:
        super().__init__(
            f"Fund {fund_id} is {status}; applications are accepted only while it is open.", fund_status=status
        )


class Overcommitted(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Fund overcommitted"

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(
            f"An award of {requested} pence exceeds the {available} pence still uncommitted in the fund.",
            requested_pence=requested,
            available_pence=available,
        )


class QuorumNotMet(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Quorum not met"

    def __init__(self, present: int, needed: int) -> None:
        super().__init__(
            f"{present} forum member(s) without a conflict of interest have scored; the panel needs {needed}.",
            scored=present,
            quorum=needed,
        )


class ConflictOfInterest(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Conflict of interest"


class InvalidReport(GrantsError):
    title = "Invalid monitoring report"


class FinalReportOutstanding(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Final report outstanding"

    def __init__(self, application_id: str) -> None:
        super().__init__(
            f"Grant {application_id} closes only once its final monitoring report has been accepted.",
            final_report_accepted=False,
        )


class NothingPaidYet(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Nothing paid yet"

    def __init__(self, application_id: str) -> None:
        super().__init__(
            f"No tranche of grant {application_id} has been paid: withdraw it to release the whole award.",
            amount_paid_pence=0,
        )


class AlreadyErased(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Personal data already erased"

    def __init__(self, application_id: str, erased_at: datetime) -> None:
        super().__init__(
            f"The personal data of application {application_id} was erased at {erased_at.isoformat()}.",
            erased_at=erased_at.isoformat(),
        )


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

# A grant is live once money has reached the grantee and until it closes: it then owes a
# monitoring report for every financial year it was live in.
LIVE = frozenset({S.ACCEPTED, S.PAID, S.MONITORING})

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
REVISABLE = frozenset(
    {"organisation", "title", "summary", "amount_requested_pence", "ward_codes", "theme", "starts_on", "ends_on"}
)

ORGANISATION_TYPES = ("charity", "cic", "community_group", "social_enterprise", "company", "other")


@dataclass(frozen=True)
class Organisation:
    """The applicant organisation; its contact is personal data: never in an event, only ever answered,
    within its council, to the notifications service that must write to the grantee.

    The contact is ``None`` once the person's data has been erased on request.
    """

    name: str
    type: str
    contact_name: str | None
    contact_email: str | None
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

    def without_contact(self) -> Organisation:
        return replace(self, contact_name=None, contact_email=None, contact_phone=None)


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


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    MORE_INFORMATION_NEEDED = "more_information_needed"


REVIEW_OUTCOMES = (ReportStatus.ACCEPTED, ReportStatus.MORE_INFORMATION_NEEDED)


@dataclass(eq=False)
class MonitoringReport:
    """The grantee's account of a financial year: what was spent, who was reached, what changed."""

    financial_year: str
    summary: str
    spend_to_date_pence: int
    beneficiaries_reached: int
    outcomes: str = ""
    final: bool = False
    status: str = ReportStatus.SUBMITTED
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_comments: str | None = None
    id: str = field(default_factory=new_id)

    def check(self) -> None:
        if not self.summary.strip():
            raise InvalidReport("A monitoring report needs a summary.", field="summary")
        if self.spend_to_date_pence < 0:
            raise InvalidReport("Spend to date cannot be negative.", field="spend_to_date_pence")
        if self.beneficiaries_reached < 0:
            raise InvalidReport("Beneficiaries reached cannot be negative.", field="beneficiaries_reached")

    def revise_from(self, other: MonitoringReport) -> None:
        """A resubmission after "more information needed": the same report, new content."""
        self.summary, self.outcomes, self.final = other.summary, other.outcomes, other.final
        self.spend_to_date_pence, self.beneficiaries_reached = other.spend_to_date_pence, other.beneficiaries_reached

    def review(self, outcome: str, comments: str, by: str, now: datetime) -> None:
        if outcome not in REVIEW_OUTCOMES:
            raise InvalidReport(f"A review is one of {', '.join(REVIEW_OUTCOMES)}.", field="outcome")
        if self.status != ReportStatus.SUBMITTED:
            raise IllegalTransition(f"monitoring report for {self.financial_year}", self.status, "review")
        if outcome == ReportStatus.MORE_INFORMATION_NEEDED and not comments.strip():
            raise InvalidReport("Say what more information is needed.", field="comments")
        self.status, self.review_comments = outcome, comments
        self.reviewed_by, self.reviewed_at = by, now


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
    starts_on: date | None = None
    ends_on: date | None = None
    personal_data_erased_at: datetime | None = None
    personal_data_erased_by: str | None = None
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    scores: list[Score] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    monitoring_reports: list[MonitoringReport] = field(default_factory=list)
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
        starts_on: date | None = None,
        ends_on: date | None = None,
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
            starts_on=starts_on,
            ends_on=ends_on,
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
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise InvalidApplication(
                f"The project ends ({self.ends_on}) before it starts ({self.starts_on}).", field="ends_on"
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

    def start_monitoring(self, now: datetime) -> None:
        self._move("start_monitoring")
        self.updated_at = now

    def close(self, now: datetime) -> None:
        """A monitored grant closes once its final monitoring report has been accepted."""
        allowed, _ = MOVES["close"]
        if self.status not in allowed:
            raise IllegalTransition("application", self.status, "close")
        if not any(r.final and r.status == ReportStatus.ACCEPTED for r in self.monitoring_reports):
            raise FinalReportOutstanding(self.id)
        self._move("close")
        self.updated_at = now

    # Monitoring

    @property
    def is_live(self) -> bool:
        """Money has been paid and the grant is not closed: it owes monitoring reports."""
        return self.status in LIVE and self.amount_paid_pence > 0

    @property
    def first_paid_on(self) -> date | None:
        paid = [today_in_london(t.paid_at) for t in self.tranches if t.paid_at is not None]
        return min(paid) if paid else None

    def owes_report_for(self, year: FinancialYear) -> bool:
        """A live grant owes a report for each financial year in which money had been paid by 31 March."""
        first = self.first_paid_on
        return self.is_live and first is not None and first <= year.ends_on

    def report_for(self, year: FinancialYear) -> MonitoringReport | None:
        return next((r for r in self.monitoring_reports if r.financial_year == year.label), None)

    def monitoring_notices(self, today: date, notice_days: int = DEFAULT_REPORT_NOTICE_DAYS) -> list[Notice]:
        """What the grant should be told today about its reports (the caller makes each notice fire once).

        Due: from ``notice_days`` before 31 March up to 31 March itself, while that year's report has
        not been submitted. Overdue: any day of the following year, while the report for the year that
        ended on the last 31 March has still not been submitted.
        """
        notices: list[Notice] = []
        current = FinancialYear.of(today)
        window_opens = current.ends_on - timedelta(days=notice_days)
        if window_opens <= today and self.owes_report_for(current) and self.report_for(current) is None:
            notices.append(Notice("due", current))
        previous = current.previous
        if self.owes_report_for(previous) and self.report_for(previous) is None:
            notices.append(Notice("overdue", previous))
        return notices

    def submit_report(self, report: MonitoringReport, by: str, now: datetime) -> MonitoringReport:
        """File the grantee's report for a year; a report sent back for more information may be filed again."""
        if not self.is_live:
            raise IllegalTransition("application", self.status, "submit_monitoring_report")
        report.check()
        try:
            year = FinancialYear.parse(report.financial_year)
        except ValueError as exc:
            raise InvalidReport(str(exc), field="financial_year") from exc
        today = today_in_london(now)
        if year.starts_on > today or not self.owes_report_for(year):
            raise InvalidReport(
                f"Grant {self.id} owes no monitoring report for {year}: reports cover the financial years "
                "in which it has been paid, up to the current one.",
                field="financial_year",
            )
        existing = self.report_for(year)
        if existing is None:
            self.monitoring_reports.append(report)
        elif existing.status == ReportStatus.MORE_INFORMATION_NEEDED:
            existing.revise_from(report)
            report = existing
        else:
            raise IllegalTransition(f"monitoring report for {year}", existing.status, "submit")
        report.status, report.submitted_by, report.submitted_at = ReportStatus.SUBMITTED, by, now
        report.reviewed_by = report.reviewed_at = None
        self.updated_at = now
        return report

    def review_report(self, report_id: str, outcome: str, comments: str, by: str, now: datetime) -> MonitoringReport:
        report = next((r for r in self.monitoring_reports if r.id == report_id), None)
        if report is None:
            raise LookupError(report_id)
        report.review(outcome, comments, by, now)
        self.updated_at = now
        return report

    # Erasure on request

    def erase_personal_data(self, by: str, now: datetime) -> None:
        """Forget the contact person; the grant itself (amounts, wards, decisions, ledger) stays."""
        if self.personal_data_erased_at is not None:
            raise AlreadyErased(self.id, self.personal_data_erased_at)
        self.organisation = self.organisation.without_contact()
        self.personal_data_erased_at, self.personal_data_erased_by = now, by
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


@dataclass(frozen=True)
class Notice:
    """A monitoring notice owed today: ``kind`` is ``due`` or ``overdue``."""

    kind: str
    year: FinancialYear


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
        # An underspend gave part of the award back: the lines count what stays committed to the grant.
        amount = application.amount_awarded_pence - application.amount_released_pence
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
