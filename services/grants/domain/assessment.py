"""Assessment by the forum: scores against the fund's criteria, conflicts of interest, quorum,
the officer's recommendation and the panel's decision (an award is committed against the fund).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.grants.domain.errors import (
    ConflictOfInterest,
    IllegalTransition,
    InvalidApplication,
    InvalidScore,
    QuorumNotMet,
)
from services.grants.domain.fund import Commitment, Fund
from services.grants.domain.lifecycle import MOVES, SCORING, ApplicationStatus, Lifecycle

MAX_SCORE = 5


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


class AssessmentMoves(Lifecycle):
    """The part of an ``Application`` the forum and the panel act on."""

    id: str
    amount_requested_pence: int
    amount_awarded_pence: int | None
    recommendation_reasons: str | None
    decision_reasons: str | None
    decided_by: str | None
    decided_at: datetime | None
    scores: list[Score]
    conflicts: list[Conflict]
    commitments: list[Commitment]

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
