"""Deliveries: one event (or an email of our own) for one subscription, its attempts and what follows each.

After every attempt the delivery decides: delivered, retried on its schedule (with
jitter, honouring ``Retry-After``), or given up; a webhook's endpoint may be switched off.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, NamedTuple

from services.notifications.domain.email import EmailConsequence, smtp_verdict
from services.notifications.domain.webhooks import Verdict, parse_retry_after, verdict_of
from shared.rules import IllegalState

if TYPE_CHECKING:
    from services.notifications.domain.subscriptions import Channel, DisableReason, Subscription

# queued: an event waiting for its subscription's digest; digested: it went out in one;
# suppressed: the address is on the suppression list, so nothing was sent.
DeliveryStatus = Literal["pending", "succeeded", "failed", "exhausted", "queued", "digested", "suppressed"]
# What a delivery carries: one event for a subscription, a digest of events, or an email of our own.
DeliveryKind = Literal[
    "event",
    "digest",
    "endpoint_disabled",
    "milestone_overdue",
    "report_due",
    "cadence_behind",
    "spend_awaiting_approval",
    "spend_decided",
]

# Namespace for delivery ids: uuid5(namespace, "<subscription>:<event>") is the same on every
# redelivery of an event, so a partner sees one webhook-id however often the bus repeats it.
DELIVERY_NAMESPACE = uuid.UUID("6f1d3c2e-6a52-4f55-9a4e-2d1c0b3f7e10")


class NewDelivery(NamedTuple):
    id: str
    subscription_id: str
    event_id: str
    event_type: str
    council: str
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus
    channel: Channel
    partner_id: str

    @property
    def is_webhook_due(self) -> bool:
        """A webhook delivery to be sent now (not an email, nor one queued for a digest)."""
        return self.channel == "webhook" and self.status == "pending"


def delivery_id_for(subscription_id: str, event_id: str) -> str:
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"{subscription_id}:{event_id}"))


@dataclass(frozen=True)
class RetrySchedule:
    """Delays (seconds) after each failed attempt; one more attempt than delays, then give up.

    Each delay is spread by ±``jitter`` (a fraction) so endpoints recovering from an
    outage are not hit by every retry at once; a ``Retry-After`` longer than the
    delay wins, up to ``max_delay``.
    """

    delays: tuple[float, ...] = (5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
    jitter: float = 0.2
    max_delay: float = 24 * 3600

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(
        self, attempt: int, retry_after: float | None = None, rand: random.Random | None = None
    ) -> float | None:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); None when none is left."""
        if attempt >= self.max_attempts:
            return None
        base = self.delays[attempt - 1]
        spread = (rand or random).uniform(-self.jitter, self.jitter) if self.jitter else 0.0
        delay = base * (1 + spread)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_delay)


@dataclass(frozen=True)
class AttemptResult:
    """What happened when the worker tried one delivery."""

    started_at: datetime
    latency_ms: int
    status_code: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    retry_after: str | None = None
    # The attempt's own trace (its span's): the outcome events continue it.
    traceparent: str | None = None


@dataclass
class DeliveryAttempt:
    delivery_id: str
    number: int
    started_at: datetime
    latency_ms: int
    status_code: int | None
    response_excerpt: str | None
    error: str | None
    id: int | None = None


@dataclass(frozen=True)
class AttemptConsequence:
    """What follows from an attempt, for the worker to publish."""

    verdict: Verdict
    next_attempt_at: datetime | None
    exhausted: bool = False
    endpoint_disabled: DisableReason | None = None


@dataclass
class Delivery:
    """One event for one subscription; the same id (the ``webhook-id``) on every attempt and resend."""

    id: str
    # Empty for emails of our own that no subscription asked for (internal alerts) and, for
    # ``event_id``, for digests, which carry many events.
    subscription_id: str | None
    event_id: str | None
    event_type: str
    council: str
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = "pending"
    attempts: int = 0
    # Attempts since the last (re)start: the retry schedule counts these, so a resend gets a full schedule.
    round_attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    succeeded_at: datetime | None = None
    channel: Channel = "webhook"
    kind: DeliveryKind = "event"
    # The partner an email of our own is addressed to, so its people can see it.
    partner_id: str | None = None
    # The digest delivery that carried this (queued) event.
    digest_id: str | None = None

    @classmethod
    def of(cls, subscription: Subscription, event_id: str, event_type: str, now: datetime) -> Delivery:
        return cls(**subscription.audience.new_delivery(event_id, event_type, now)._asdict())

    @classmethod
    def email_of_our_own(
        cls,
        kind: DeliveryKind,
        *,
        key: str,
        council: str,
        event_type: str,
        now: datetime,
        event_id: str | None = None,
        subscription_id: str | None = None,
        partner_id: str | None = None,
    ) -> Delivery:
        """A digest, notice or alert: its id comes from ``key``, so raising it twice makes one delivery."""
        return cls(
            id=str(uuid.uuid5(DELIVERY_NAMESPACE, f"{kind}:{key}")),
            subscription_id=subscription_id,
            event_id=event_id,
            event_type=event_type,
            council=council,
            created_at=now,
            next_attempt_at=now,
            channel="email",
            kind=kind,
            partner_id=partner_id,
        )

    def _log(self, result: AttemptResult) -> DeliveryAttempt:
        self.attempts += 1
        self.round_attempts += 1
        self.last_status_code = result.status_code
        self.last_error = result.error
        return DeliveryAttempt(
            delivery_id=self.id,
            number=self.attempts,
            started_at=result.started_at,
            latency_ms=result.latency_ms,
            status_code=result.status_code,
            response_excerpt=(result.response_excerpt or "")[:500] or None,
            error=(result.error or "")[:500] or None,
        )

    def record_email_attempt(
        self, result: AttemptResult, *, now: datetime, schedule: RetrySchedule, rand: random.Random | None = None
    ) -> tuple[DeliveryAttempt, EmailConsequence]:
        """An SMTP attempt: 2xx sent; 4xx or no answer retried; 5xx final (an unknown user also suppressed)."""
        attempt = self._log(result)
        verdict = smtp_verdict(result.status_code if result.error is None else None, result.response_excerpt)
        if verdict == "succeeded":
            self.status = "succeeded"
            self.succeeded_at = now
            return attempt, EmailConsequence(verdict, None)
        if verdict in ("rejected", "unknown_user"):
            self.status = "failed"
            return attempt, EmailConsequence(verdict, None)
        delay = schedule.delay_after(self.round_attempts, None, rand)
        if delay is None:
            self.status = "exhausted"
            return attempt, EmailConsequence(verdict, None, exhausted=True)
        self.next_attempt_at = now + timedelta(seconds=delay)
        return attempt, EmailConsequence(verdict, self.next_attempt_at)

    def record_publish_attempt(
        self, result: AttemptResult, *, now: datetime, schedule: RetrySchedule, rand: random.Random | None = None
    ) -> tuple[DeliveryAttempt, datetime | None]:
        """A publish to a partner's queue: confirmed is delivered; refused (full, or gone) is retried.

        Returns the attempt and when the next one is due (None: delivered, or given up).
        """
        attempt = self._log(result)
        if result.error is None:
            self.status = "succeeded"
            self.succeeded_at = now
            return attempt, None
        delay = schedule.delay_after(self.round_attempts, None, rand)
        if delay is None:
            self.status = "exhausted"
            return attempt, None
        self.next_attempt_at = now + timedelta(seconds=delay)
        return attempt, self.next_attempt_at

    def suppress(self) -> None:
        """The address must not be emailed: nothing is sent and nothing is retried."""
        if self.status != "pending":
            raise IllegalState(
                f"delivery {self.id} is {self.status}, not pending", current=self.status, current_state=self.status
            )
        self.status = "suppressed"
        self.last_error = "the address is on the suppression list"

    def record_attempt(
        self,
        result: AttemptResult,
        subscription: Subscription,
        *,
        now: datetime,
        schedule: RetrySchedule,
        disable_after: timedelta,
        rand: random.Random | None = None,
    ) -> tuple[DeliveryAttempt, AttemptConsequence]:
        attempt = self._log(result)
        verdict = verdict_of(result.status_code if result.error is None else None)
        if verdict == "succeeded":
            self.status = "succeeded"
            self.succeeded_at = now
            subscription.record_success()
            return attempt, AttemptConsequence(verdict, None)

        disabled: DisableReason | None = None
        if verdict == "gone":
            self.status = "failed"
            if subscription.status == "active":
                subscription.disable("gone", now)
                disabled = "gone"
            return attempt, AttemptConsequence(verdict, None, endpoint_disabled=disabled)

        if subscription.record_failure(now, disable_after):
            disabled = "sustained_failure"
        if verdict == "rejected":
            self.status = "failed"
            return attempt, AttemptConsequence(verdict, None, endpoint_disabled=disabled)

        delay = schedule.delay_after(self.round_attempts, parse_retry_after(result.retry_after, now), rand)
        if delay is None:
            self.status = "exhausted"
            return attempt, AttemptConsequence(verdict, None, exhausted=True, endpoint_disabled=disabled)
        self.next_attempt_at = now + timedelta(seconds=delay)
        return attempt, AttemptConsequence(verdict, self.next_attempt_at, endpoint_disabled=disabled)

    def resend(self, now: datetime) -> None:
        """Deliver again from the start of the retry schedule, with the same webhook-id (or Message-ID)."""
        if self.status in ("queued", "digested"):
            raise IllegalState(
                f"delivery {self.id} is {self.status}: it goes out in its subscription's digest",
                current=self.status,
                current_state=self.status,
            )
        self.status = "pending"
        self.round_attempts = 0
        self.next_attempt_at = now
