"""An application's lifecycle: its states, the moves between them, and the one place a move is checked.

draft → submitted → in assessment → recommended / not recommended → approved / rejected → offered
→ accepted → paid (one or more tranches) → monitoring → closed; or withdrawn before any payment.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from services.grants.domain.errors import IllegalTransition


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


class Lifecycle:
    """What every part of an application's behaviour shares: its state, and moving it on."""

    status: str
    updated_at: datetime | None

    def _move(self, action: str) -> str:
        allowed, target = MOVES[action]
        if self.status not in allowed:
            raise IllegalTransition("application", self.status, action)
        previous, self.status = self.status, target
        return previous
