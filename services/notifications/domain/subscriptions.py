"""Partners and their subscriptions: who wants which events, where, and whether the endpoint is switched on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from services.notifications.domain.deliveries import NewDelivery, delivery_id_for
from services.notifications.domain.filters import EventFacts, themes_of, topic_matches, wards_of
from services.notifications.domain.webhooks import new_secret, secrets_in_force
from shared.rules import IllegalState, RuleBroken

Channel = Literal["webhook", "email", "amqp"]
SubscriptionStatus = Literal["active", "disabled"]
# revoked: a queue subscription whose broker user was taken away (a new subscription grants access again).
DisableReason = Literal["gone", "sustained_failure", "revoked"]
EmailMode = Literal["immediate", "daily", "weekly"]


class PartnerExists(RuleBroken):
    """A council has one partner per organisation (the ``org`` claim its tokens carry)."""

    title = "Partner exists"
    status = 409

    def __init__(self, organisation: str, partner_id: str) -> None:
        super().__init__(f"Organisation {organisation!r} is already partner {partner_id}.")


class PartnerRequired(RuleBroken):
    """An officer subscribing must say for which partner; a partner's own organisation is implied."""

    title = "Partner required"

    def __init__(self) -> None:
        super().__init__("Name the partner_id this subscription belongs to.")


class NotAQueueSubscription(RuleBroken):
    """Queue credentials exist only for a subscription on the partner's own queue."""

    title = "Not a queue subscription"
    status = 409

    def __init__(self, subscription_id: str, channel: str) -> None:
        super().__init__(f"Subscription {subscription_id} is a {channel}.")


class SubscriptionDisabled(RuleBroken):
    """A disabled queue subscription's credentials can be neither rotated nor revoked."""

    title = "Subscription disabled"
    status = 409

    def __init__(self, subscription_id: str, reason: str | None) -> None:
        super().__init__(f"Subscription {subscription_id} is disabled ({reason}).", current_state="disabled")


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
            raise IllegalState(
                f"subscription {self.id} is already disabled", current=self.status, current_state=self.status
            )
        self.status = "disabled"
        self.disabled_at = now
        self.disabled_reason = reason

    def check_queue_access_may_change(self) -> None:
        """Queue credentials are rotated or revoked only on an active queue subscription."""
        if self.channel != "amqp":
            raise NotAQueueSubscription(self.id, self.channel)
        if self.status != "active":
            raise SubscriptionDisabled(self.id, self.disabled_reason)

    def enable(self) -> None:
        if self.status == "active":
            raise IllegalState(
                f"subscription {self.id} is already active", current=self.status, current_state=self.status
            )
        if self.disabled_reason == "revoked":
            raise IllegalState(
                f"subscription {self.id}'s queue access was revoked; subscribe again for new credentials",
                current=self.status,
                current_state=self.status,
            )
        self.status = "active"
        self.disabled_at = None
        self.disabled_reason = None
        self.failing_since = None
