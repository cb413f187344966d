"""Events published by the notifications service.

Thin, like every catalogue event: ids, codes, statuses and times. A partner's
URL, contact email, any email address and secrets never travel on the bus.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from shared.events.base import EventData

GssCode = str
Pence = int

Channel = Literal["webhook", "email", "amqp"]


class PartnerRegistered(EventData, event_type="notifications.partner.registered.v1"):
    """A partner organisation was registered with a council."""

    partner_id: str
    organisation: str


class SubscriptionCreated(EventData, event_type="notifications.subscription.created.v1"):
    """A partner subscribed an endpoint to some event types."""

    subscription_id: str
    partner_id: str
    channel: Channel
    event_types: list[str]
    # Email subscriptions: immediate, daily or weekly.
    mode: Literal["immediate", "daily", "weekly"] | None = None


class SubscriptionSecretRotated(EventData, event_type="notifications.subscription.secret_rotated.v1"):
    """A new signing secret was issued; the old one keeps signing until `previous_secret_expires_at`."""

    subscription_id: str
    partner_id: str
    previous_secret_expires_at: datetime


class SubscriptionReplayRequested(EventData, event_type="notifications.subscription.replay_requested.v1"):
    """The deliveries of a subscription created in a time range are to be sent again."""

    subscription_id: str
    partner_id: str
    created_from: datetime
    created_to: datetime
    deliveries: int


class DeliveryResendRequested(EventData, event_type="notifications.delivery.resend_requested.v1"):
    """One delivery is to be sent again, with the same webhook-id."""

    delivery_id: str
    subscription_id: str
    event_id: str


class DeliverySucceeded(EventData, event_type="notifications.delivery.succeeded.v1"):
    """The partner's endpoint accepted the delivery (2xx)."""

    delivery_id: str
    subscription_id: str
    event_id: str
    channel: Channel
    attempts: int


class DeliveryFailed(EventData, event_type="notifications.delivery.failed.v1"):
    """One attempt failed; `next_attempt_at` is empty when no retry follows."""

    delivery_id: str
    subscription_id: str
    event_id: str
    channel: Channel
    attempt: int
    status_code: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


class DeliveryExhausted(EventData, event_type="notifications.delivery.exhausted.v1"):
    """Every scheduled attempt failed; the delivery waits for a resend or a replay."""

    delivery_id: str
    subscription_id: str
    event_id: str
    channel: Channel
    attempts: int


class EndpointDisabled(EventData, event_type="notifications.endpoint.disabled.v1"):
    """A webhook endpoint was switched off: it answered 410 Gone, or failed for too long."""

    subscription_id: str
    partner_id: str
    reason: Literal["gone", "sustained_failure"]
    disabled_at: datetime
    failing_since: datetime | None = None


class EndpointEnabled(EventData, event_type="notifications.endpoint.enabled.v1"):
    """A disabled webhook endpoint was switched back on by the partner or an officer."""

    subscription_id: str
    partner_id: str


class EmailQueued(EventData, event_type="notifications.email.queued.v1"):
    """An email of the service's own is waiting to be sent: a digest, an endpoint-disabled notice or an alert.

    `event_id` is the event that raised it (empty for a digest); the address never travels.
    """

    delivery_id: str
    kind: Literal[
        "digest",
        "endpoint_disabled",
        "milestone_overdue",
        "report_due",
        "cadence_behind",
        "spend_awaiting_approval",
        "spend_decided",
    ]
    event_id: str | None = None
    subscription_id: str | None = None
    partner_id: str | None = None
    period: str | None = None
    events: int | None = None


class DeliverySuppressed(EventData, event_type="notifications.delivery.suppressed.v1"):
    """An email was not sent because its address is on the suppression list; it is not retried."""

    delivery_id: str
    subscription_id: str | None = None
    event_id: str | None = None


class SuppressionAdded(EventData, event_type="notifications.suppression.added.v1"):
    """An address was put on the council's suppression list (by an officer, or after a 5xx "user unknown")."""

    suppression_id: str
    reason: Literal["requested", "user_unknown"]


class SuppressionRemoved(EventData, event_type="notifications.suppression.removed.v1"):
    """An address was taken off the council's suppression list."""

    suppression_id: str


class QueueAccessGranted(EventData, event_type="notifications.subscription.queue_granted.v1"):
    """A partner was given its own queue, bound to its subscription, and a broker user that can only read it."""

    subscription_id: str
    partner_id: str
    queue: str
    username: str


class QueueCredentialsRotated(EventData, event_type="notifications.subscription.queue_credentials_rotated.v1"):
    """The partner's queue user has a new password; the old one no longer connects."""

    subscription_id: str
    partner_id: str


class QueueAccessRevoked(EventData, event_type="notifications.subscription.queue_revoked.v1"):
    """The partner's queue user was removed, its connections closed and its queue deleted."""

    subscription_id: str
    partner_id: str
