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
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

Channel = Literal["webhook", "email", "amqp"]
SubscriptionStatus = Literal["active", "disabled"]
# queued: an event waiting for its subscription's digest; digested: it went out in one;
# suppressed: the address is on the suppression list, so nothing was sent.
DeliveryStatus = Literal["pending", "succeeded", "failed", "exhausted", "queued", "digested", "suppressed"]
# revoked: a queue subscription whose broker user was taken away (a new subscription grants access again).
DisableReason = Literal["gone", "sustained_failure", "revoked"]
EmailMode = Literal["immediate", "daily", "weekly"]
# What a delivery carries: one event for a subscription, a digest of events, or an email of our own.
DeliveryKind = Literal["event", "digest", "endpoint_disabled", "milestone_overdue", "report_due", "cadence_behind"]

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MESSAGE_ID_DOMAIN = "cohesion.notifications"

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


def is_digest_mode(channel: Channel, mode: EmailMode | None) -> bool:
    """An email subscription that gathers its events into a daily or weekly email."""
    return channel == "email" and mode in ("daily", "weekly")


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a subscription sends to and what it wants: all fan-out needs of it, for every event.

    A plain value, not the mapped ``Subscription``: fan-out weighs every candidate
    subscription against every event, and building mapped objects for that cost more
    than sending. The rules for matching and for a new delivery live here, once.
    """

    id: str
    partner_id: str
    council: str
    status: SubscriptionStatus
    channel: Channel
    mode: EmailMode | None
    email: str | None
    event_types: tuple[str, ...]
    wards: frozenset[str]
    themes: frozenset[str]

    @classmethod
    def of(cls, source: Any) -> Audience:
        """The audience of a subscription, or of a row of the subscriptions table (a mapping of its columns)."""
        get = source.__getitem__ if hasattr(source, "keys") else source.__getattribute__
        return cls(
            id=get("id"),
            partner_id=get("partner_id"),
            council=get("council"),
            status=get("status"),
            channel=get("channel"),
            mode=get("mode"),
            email=get("email"),
            event_types=tuple(get("event_types")),
            wards=frozenset(get("wards")),
            themes=frozenset(get("themes")),
        )

    @property
    def is_digest(self) -> bool:
        return is_digest_mode(self.channel, self.mode)

    def matches(self, event: EventFacts) -> bool:
        if self.status != "active" or event.council != self.council:
            return False
        if not any(topic_matches(p, event.type) for p in self.event_types):
            return False
        if self.wards and not wards_of(event.data).intersection(self.wards):
            return False
        return not (self.themes and not themes_of(event.data).intersection(self.themes))

    def new_delivery(self, event_id: str, event_type: str, now: datetime) -> NewDelivery:
        """The delivery of one event to this audience: due now, or queued for its digest."""
        return NewDelivery(
            id=delivery_id_for(self.id, event_id),
            subscription_id=self.id,
            event_id=event_id,
            event_type=event_type,
            council=self.council,
            created_at=now,
            next_attempt_at=now,
            status="queued" if self.is_digest else "pending",
            channel=self.channel,
            partner_id=self.partner_id,
        )


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


@dataclass
class Subscription:
    """A partner's wish to receive some events, and where (a webhook URL or an email address).

    Filters: ``event_types`` are topic patterns (any one must match); the event's
    council must be the subscription's; when ``wards`` is not empty the event must
    name at least one of them (in ``ward_codes`` or ``gss_code``) and an event naming
    no ward does not match; ``themes`` works the same way on ``theme``/``themes``.

    An email subscription is ``immediate`` (one email per event) or a ``daily`` or
    ``weekly`` digest sent at ``digest_time`` (Europe/London), weekly on ``digest_weekday``.
    """

    id: str
    partner_id: str
    council: str
    channel: Channel
    url: str | None
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
    email: str | None = None
    mode: EmailMode | None = None
    digest_time: str | None = None
    digest_weekday: str | None = None

    @property
    def audience(self) -> Audience:
        return Audience.of(self)

    @property
    def is_digest(self) -> bool:
        return is_digest_mode(self.channel, self.mode)

    def matches(self, event: EventFacts) -> bool:
        return self.audience.matches(event)

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
        if self.disabled_reason == "revoked":
            raise IllegalState(
                f"subscription {self.id}'s queue access was revoked; subscribe again for new credentials",
                current=self.status,
            )
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
            raise IllegalState(f"delivery {self.id} is {self.status}, not pending", current=self.status)
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
                f"delivery {self.id} is {self.status}: it goes out in its subscription's digest", current=self.status
            )
        self.status = "pending"
        self.round_attempts = 0
        self.next_attempt_at = now


# --- Email ---------------------------------------------------------------------------

EmailVerdict = Literal["succeeded", "retry", "rejected", "unknown_user"]

_LOCAL_PART_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")


def email_address_problem(address: str) -> str | None:
    """What is wrong with an email address (a plain ``local@domain``, no display name); None when usable."""
    if len(address) > 254:
        return "an email address is at most 254 characters"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "an email address needs a local part, '@' and a domain"
    if len(local) > 64 or not set(local) <= _LOCAL_PART_CHARS or local.startswith(".") or ".." in local:
        return f"{local!r} is not a valid local part"
    labels = domain.split(".")
    if len(labels) < 2 or not all(
        0 < len(label) <= 63 and label[0] != "-" and label[-1] != "-" and all(c.isalnum() or c == "-" for c in label)
        for label in labels
    ):
        return f"{domain!r} is not a valid domain"
    if not labels[-1].isalpha():
        return f"{domain!r} does not end in a top-level domain"
    return None


def normalised_address(address: str) -> str:
    """The form addresses are compared in: the suppression list is case-blind."""
    return address.strip().lower()


def parse_digest_time(value: str) -> time:
    """``HH:MM`` on the 24-hour clock."""
    hours, sep, minutes = value.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours.isdigit() and minutes.isdigit()):
        raise ValueError(f"{value!r} is not a time like 08:00")
    return time(int(hours), int(minutes))


def email_subscription_problem(mode: str | None, digest_time: str | None, digest_weekday: str | None) -> str | None:
    """What is wrong with an email subscription's mode and schedule; None when it is complete."""
    if mode not in ("immediate", "daily", "weekly"):
        return "mode must be immediate, daily or weekly"
    if mode == "immediate":
        if digest_time or digest_weekday:
            return "an immediate subscription has no digest_time or digest_weekday"
        return None
    if not digest_time:
        return f"a {mode} digest needs digest_time (Europe/London, e.g. 08:00)"
    try:
        parse_digest_time(digest_time)
    except ValueError as exc:
        return str(exc)
    if mode == "weekly" and digest_weekday not in WEEKDAYS:
        return f"a weekly digest needs digest_weekday, one of {', '.join(WEEKDAYS)}"
    if mode == "daily" and digest_weekday:
        return "a daily digest has no digest_weekday"
    return None


@dataclass(frozen=True)
class DigestPeriod:
    """One period of a digest: it ends (and its email goes) at ``send_at``; ``key`` names it once for ever."""

    key: str
    local_date: date
    send_at: datetime


def latest_digest_period(subscription: Subscription, now: datetime) -> DigestPeriod | None:
    """The most recent scheduled send at or before ``now``, in Europe/London wall-clock time.

    The send time is a local time, so it is 08:00 GMT in winter and 08:00 BST (07:00 UTC)
    in summer. A local time skipped when the clocks go forward is read with the offset
    before the change, and one that happens twice when they go back is the first.
    """
    if not subscription.is_digest or not subscription.digest_time:
        return None
    at = parse_digest_time(subscription.digest_time)
    today = now.astimezone(LONDON).date()
    for back in range(8):
        day = today - timedelta(days=back)
        if subscription.mode == "weekly" and WEEKDAYS[day.weekday()] != subscription.digest_weekday:
            continue
        send_at = datetime.combine(day, at, tzinfo=LONDON)
        if send_at <= now:
            return DigestPeriod(f"{subscription.mode}-{day.isoformat()}", day, send_at.astimezone(UTC))
    return None


def event_message_id(event_id: str, subscription_id: str) -> str:
    """The same on every attempt and resend, so a mail client shows a retried email once."""
    return f"<{event_id}.{subscription_id}@{MESSAGE_ID_DOMAIN}>"


def digest_message_id(period_key: str, subscription_id: str) -> str:
    return f"<digest.{period_key}.{subscription_id}@{MESSAGE_ID_DOMAIN}>"


def notice_message_id(event_id: str, delivery_id: str) -> str:
    """An email of our own (a notice or an alert): from the event that raised it and its delivery."""
    return f"<{event_id}.{delivery_id}@{MESSAGE_ID_DOMAIN}>"


_UNKNOWN_USER_MARKS = ("5.1.1", "user unknown", "unknown user", "no such user", "mailbox unavailable", "does not exist")


def smtp_verdict(code: int | None, message: str | None) -> EmailVerdict:
    """What an SMTP reply means: 2xx sent; 4xx or no reply at all may change; 5xx will not.

    A 5xx that says the mailbox does not exist means the address must not be tried again.
    """
    if code is None or 400 <= code < 500:
        return "retry"
    if 200 <= code < 300:
        return "succeeded"
    if code in (550, 551, 553) and any(mark in (message or "").lower() for mark in _UNKNOWN_USER_MARKS):
        return "unknown_user"
    return "rejected" if code >= 500 else "retry"


@dataclass(frozen=True)
class EmailConsequence:
    verdict: EmailVerdict
    next_attempt_at: datetime | None
    exhausted: bool = False

    @property
    def suppress_address(self) -> bool:
        return self.verdict == "unknown_user"


@dataclass
class Email:
    """The email a delivery sends, written once so every attempt sends the same message and Message-ID."""

    delivery_id: str
    recipient: str
    subject: str
    body: str
    message_id: str


@dataclass
class Suppression:
    """An address of a council that must not be emailed (asked for, or found not to exist)."""

    id: str
    council: str
    address: str
    reason: str
    created_at: datetime


# --- Internal alerts -----------------------------------------------------------------

AlertKind = Literal["milestone_overdue", "report_due", "cadence_behind"]
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
