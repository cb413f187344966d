"""Internal alerts: events someone must be emailed about, until the recipients are found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from services.notifications.domain.deliveries import DELIVERY_NAMESPACE

if TYPE_CHECKING:
    from services.notifications.domain.subscriptions import Partner

AlertKind = Literal["milestone_overdue", "report_due", "cadence_behind", "spend_awaiting_approval", "spend_decided"]
AlertStatus = Literal["addressing", "addressed", "no_recipient"]

# Finding recipients may mean asking another service; if it cannot answer now, ask again after
# these delays (seconds), then give up and say so on the alert.
ADDRESSING_DELAYS = (5.0, 30.0, 120.0, 600.0, 3600.0, 3 * 3600.0)


@dataclass
class Alert:
    """An event that someone must be told about by email, until its recipients are found.

    Who: the lead partner of an overdue milestone (from the partner directory), the grantee
    whose monitoring report is due (asked of grants), the members of a ward behind on its
    meetings (asked of wards). Each recipient then gets an email delivery of its own.
    """

    id: str
    event_id: str
    kind: AlertKind
    council: str
    created_at: datetime
    next_attempt_at: datetime
    status: AlertStatus = "addressing"
    attempts: int = 0
    recipients: int = 0
    last_error: str | None = None
    addressed_at: datetime | None = None

    @classmethod
    def of(cls, event_id: str, kind: AlertKind, council: str, now: datetime) -> Alert:
        """Its id comes from the event and the kind, so noting the same event twice makes one alert."""
        return cls(
            id=str(uuid.uuid5(DELIVERY_NAMESPACE, f"alert:{kind}:{event_id}")),
            event_id=event_id,
            kind=kind,
            council=council,
            created_at=now,
            next_attempt_at=now,
        )

    def addressed(self, recipients: int, now: datetime) -> None:
        self.status, self.recipients, self.addressed_at = "addressed", recipients, now
        self.attempts += 1
        self.last_error = None

    def nobody_to_tell(self, why: str, now: datetime) -> None:
        """There is no one to write to (no such partner, the contact was erased): final, and said why."""
        self.status, self.addressed_at, self.last_error = "no_recipient", now, why[:500]
        self.attempts += 1

    def ask_again_later(self, error: str, now: datetime) -> bool:
        """The answer could not be had now; False when every retry is spent (then it is final)."""
        self.attempts += 1
        self.last_error = error[:500]
        if self.attempts > len(ADDRESSING_DELAYS):
            self.status, self.addressed_at = "no_recipient", now
            return False
        self.next_attempt_at = now + timedelta(seconds=ADDRESSING_DELAYS[self.attempts - 1])
        return True


def partner_named(partners: Sequence[Partner], organisation: str) -> Partner | None:
    """The partner an action names as its lead: by its organisation identifier or its name, case-blind."""
    wanted = organisation.strip().casefold()
    return next((p for p in partners if wanted in (p.organisation.strip().casefold(), p.name.strip().casefold())), None)
