"""Partners, their subscriptions and the deliveries made to them, in plain Python.

Nothing here knows about HTTP, SQL or the broker: the rules for which event
reaches which subscription, how a secret is rotated, and what happens after
each attempt to deliver (retry, give up, switch the endpoint off) are plain
methods, tested in microseconds.
"""

from __future__ import annotations

import base64
import random
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal

Channel = Literal["webhook"]
SubscriptionStatus = Literal["active", "disabled"]
DeliveryStatus = Literal["pending", "succeeded", "failed", "exhausted"]
DisableReason = Literal["gone", "sustained_failure"]

SECRET_PREFIX = "whsec_"
# Namespace for delivery ids: uuid5(namespace, "<subscription>:<event>") is the same on every
# redelivery of an event, so a partner sees one webhook-id however often the bus repeats it.
DELIVERY_NAMESPACE = uuid.UUID("6f1d3c2e-6a52-4f55-9a4e-2d1c0b3f7e10")


class IllegalState(Exception):
    """A command that the record's current state does not allow."""

    def __init__(self, message: str, *, current: str) -> None:
        super().__init__(message)
        self.current = current


# --- Event type patterns -------------------------------------------------------------


def topic_matches(pattern: str, routing_key: str) -> bool:
    """RabbitMQ topic matching: words split on '.', ``*`` is exactly one word, ``#`` zero or more."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: Sequence[str], words: Sequence[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        # '#' swallows zero words, or one word and stays in place.
        return _match(rest, words) or (bool(words) and _match(pattern, words[1:]))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


def valid_topic_pattern(pattern: str) -> bool:
    words = pattern.split(".")
    return all(w in ("*", "#") or (w and all(c.isalnum() or c in "_-" for c in w)) for w in words)


# --- Event filters -------------------------------------------------------------------


def wards_of(data: Mapping[str, Any]) -> set[str]:
    """The wards an event is about: its ``ward_codes`` list and/or its ``gss_code``."""
    wards: set[str] = set()
    codes = data.get("ward_codes")
    if isinstance(codes, list):
        wards.update(str(c) for c in codes)
    code = data.get("gss_code")
    if isinstance(code, str):
        wards.add(code)
    return wards


def themes_of(data: Mapping[str, Any]) -> set[str]:
    """The themes an event is about: its ``theme`` and/or its ``themes`` list."""
    themes: set[str] = set()
    theme = data.get("theme")
    if isinstance(theme, str):
        themes.add(theme)
    listed = data.get("themes")
    if isinstance(listed, list):
        themes.update(str(t) for t in listed)
    return themes


@dataclass(frozen=True)
class EventFacts:
    """What a subscription filter looks at in an event."""

    type: str
    council: str
    data: Mapping[str, Any]


# --- Partners and subscriptions ------------------------------------------------------


@dataclass
class Partner:
    """A partner organisation (police, fire, NHS, a voluntary-sector body) of one council.

    ``organisation`` is the identifier its people's tokens carry in the ``org`` claim.
    """

    id: str
    council: str
    name: str
    organisation: str
    contact_email: str
    created_at: datetime


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secrets_in_force(
    secret: str, previous_secret: str | None, previous_expires_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets a delivery is signed with: the current one, plus the previous one during its grace period."""
    keys = [secret]
    if previous_secret and previous_expires_at and now < previous_expires_at:
        keys.append(previous_secret)
    return keys


@dataclass
class Subscription:
    """A partner's wish to receive some events, and where (a webhook URL).

    Filters: ``event_types`` are topic patterns (any one must match); the event's
    council must be the subscription's; when ``wards`` is not empty the event must
    name at least one of them (in ``ward_codes`` or ``gss_code``) and an event naming
    no ward does not match; ``themes`` works the same way on ``theme``/``themes``.
    """

    id: str
    partner_id: str
    council: str
    channel: Channel
    url: str
    event_types: list[str]
    secret: str
    created_at: datetime
    wards: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    status: SubscriptionStatus = "active"
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None

    def matches(self, event: EventFacts) -> bool:
        if self.status != "active" or event.council != self.council:
            return False
        if not any(topic_matches(p, event.type) for p in self.event_types):
            return False
        if self.wards and not wards_of(event.data).intersection(self.wards):
            return False
        return not (self.themes and not themes_of(event.data).intersection(self.themes))

    def signing_secrets(self, now: datetime) -> list[str]:
        return secrets_in_force(self.secret, self.previous_secret, self.previous_secret_expires_at, now)

    def rotate_secret(self, now: datetime, grace: timedelta) -> str:
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + grace
        self.secret = new_secret()
        return self.secret

    def record_success(self) -> None:
        self.failing_since = None

    def record_failure(self, now: datetime, disable_after: timedelta) -> bool:
        """Note a failed attempt; True when the endpoint has now failed for too long and is disabled."""
        if self.failing_since is None:
            self.failing_since = now
        if now - self.failing_since >= disable_after and self.status == "active":
            self.disable("sustained_failure", now)
            return True
        return False

    def disable(self, reason: DisableReason, now: datetime) -> None:
        if self.status == "disabled":
            raise IllegalState(f"subscription {self.id} is already disabled", current=self.status)
        self.status = "disabled"
        self.disabled_at = now
        self.disabled_reason = reason

    def enable(self) -> None:
        if self.status == "active":
            raise IllegalState(f"subscription {self.id} is already active", current=self.status)
        self.status = "active"
        self.disabled_at = None
        self.disabled_reason = None
        self.failing_since = None


# --- Deliveries ----------------------------------------------------------------------


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


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


Verdict = Literal["succeeded", "retry", "gone", "rejected"]


def verdict_of(status_code: int | None) -> Verdict:
    """What one response means: 2xx delivered; 410 the endpoint is gone; 429, 5xx, redirects
    (never followed) and no response at all are worth retrying; any other 4xx will not change."""
    if status_code is None:
        return "retry"
    if 200 <= status_code < 300:
        return "succeeded"
    if status_code == 410:
        return "gone"
    if status_code in (408, 429) or status_code >= 500 or 300 <= status_code < 400:
        return "retry"
    return "rejected"


@dataclass(frozen=True)
class AttemptResult:
    """What happened when the worker tried one delivery."""

    started_at: datetime
    latency_ms: int
    status_code: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    retry_after: str | None = None


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
    subscription_id: str
    event_id: str
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

    @classmethod
    def of(cls, subscription: Subscription, event_id: str, event_type: str, now: datetime) -> Delivery:
        return cls(
            id=delivery_id_for(subscription.id, event_id),
            subscription_id=subscription.id,
            event_id=event_id,
            event_type=event_type,
            council=subscription.council,
            created_at=now,
            next_attempt_at=now,
        )

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
        self.attempts += 1
        self.round_attempts += 1
        self.last_status_code = result.status_code
        self.last_error = result.error
        attempt = DeliveryAttempt(
            delivery_id=self.id,
            number=self.attempts,
            started_at=result.started_at,
            latency_ms=result.latency_ms,
            status_code=result.status_code,
            response_excerpt=(result.response_excerpt or "")[:500] or None,
            error=(result.error or "")[:500] or None,
        )
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
        """Deliver again from the start of the retry schedule, with the same webhook-id."""
        self.status = "pending"
        self.round_attempts = 0
        self.next_attempt_at = now
