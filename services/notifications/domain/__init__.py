"""The notifications domain in plain Python: nothing here knows about HTTP, SQL or the broker.

The rules for which event reaches which subscription (``filters``), partners and their
subscriptions (``subscriptions``), how a webhook is signed and what its answer means
(``webhooks``), what happens after each attempt to deliver (``deliveries``), email and
its suppression list (``email``), digests (``digests``) and internal alerts (``alerts``)
are plain methods, tested in microseconds.
"""

from services.notifications.domain.alerts import (
    ADDRESSING_DELAYS,
    Alert,
    AlertKind,
    AlertStatus,
    partner_named,
)
from services.notifications.domain.deliveries import (
    DELIVERY_NAMESPACE,
    AttemptConsequence,
    AttemptResult,
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryStatus,
    NewDelivery,
    RetrySchedule,
    delivery_id_for,
)
from services.notifications.domain.digests import (
    WEEKDAYS,
    DigestPeriod,
    email_subscription_problem,
    latest_digest_period,
    parse_digest_time,
)
from services.notifications.domain.email import (
    MESSAGE_ID_DOMAIN,
    Email,
    EmailConsequence,
    EmailVerdict,
    InvalidEmailAddress,
    Suppression,
    digest_message_id,
    email_address_problem,
    event_message_id,
    normalised_address,
    notice_message_id,
    smtp_verdict,
)
from services.notifications.domain.filters import (
    EventFacts,
    themes_of,
    topic_matches,
    valid_topic_pattern,
    wards_of,
)
from services.notifications.domain.subscriptions import (
    Audience,
    Channel,
    DisableReason,
    EmailMode,
    NotAQueueSubscription,
    Partner,
    PartnerExists,
    PartnerRequired,
    Subscription,
    SubscriptionDisabled,
    SubscriptionStatus,
    is_digest_mode,
)
from services.notifications.domain.webhooks import (
    SECRET_PREFIX,
    EndpointNotAllowed,
    Verdict,
    new_secret,
    parse_retry_after,
    secrets_in_force,
    verdict_of,
)
from shared.calendar import LONDON
from shared.rules import IllegalState

__all__ = [
    "ADDRESSING_DELAYS",
    "DELIVERY_NAMESPACE",
    "LONDON",
    "MESSAGE_ID_DOMAIN",
    "SECRET_PREFIX",
    "WEEKDAYS",
    "Alert",
    "AlertKind",
    "AlertStatus",
    "AttemptConsequence",
    "AttemptResult",
    "Audience",
    "Channel",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryKind",
    "DeliveryStatus",
    "DigestPeriod",
    "DisableReason",
    "Email",
    "EmailConsequence",
    "EmailMode",
    "EmailVerdict",
    "EndpointNotAllowed",
    "EventFacts",
    "IllegalState",
    "InvalidEmailAddress",
    "NewDelivery",
    "NotAQueueSubscription",
    "Partner",
    "PartnerExists",
    "PartnerRequired",
    "RetrySchedule",
    "Subscription",
    "SubscriptionDisabled",
    "SubscriptionStatus",
    "Suppression",
    "Verdict",
    "delivery_id_for",
    "digest_message_id",
    "email_address_problem",
    "email_subscription_problem",
    "event_message_id",
    "is_digest_mode",
    "latest_digest_period",
    "new_secret",
    "normalised_address",
    "notice_message_id",
    "parse_digest_time",
    "parse_retry_after",
    "partner_named",
    "secrets_in_force",
    "smtp_verdict",
    "themes_of",
    "topic_matches",
    "valid_topic_pattern",
    "verdict_of",
    "wards_of",
]
