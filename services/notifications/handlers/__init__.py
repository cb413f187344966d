"""Commands of the notifications service: one plain function each, by aggregate.

The unit of work arrives as an argument; each function changes state, emits its
event, writes its audit entry (for commands) and commits. They raise the domain's
rule errors (``shared.rules.RuleBroken``), never an HTTP problem.
"""

from services.notifications.handlers.deliveries import (
    body_of,
    emit_attempt_outcome,
    keep_event,
    pending_delivery,
    record_email_attempt,
    record_publish_attempt,
    resend_delivery,
    suppress_delivery,
)
from services.notifications.handlers.emails import (
    compile_digest,
    queue_alert,
    queue_email,
    queue_endpoint_disabled_notice,
    write_emails,
)
from services.notifications.handlers.partners import register_partner
from services.notifications.handlers.subscriptions import (
    create_subscription,
    enable_subscription,
    queue_access_revoked,
    queue_credentials_rotated,
    replay_range,
    rotate_secret,
)
from services.notifications.handlers.suppressions import add_suppression, remove_suppression, suppressed
from services.notifications.handlers.webhooks import record_attempt, record_attempts

__all__ = [
    "add_suppression",
    "body_of",
    "compile_digest",
    "create_subscription",
    "emit_attempt_outcome",
    "enable_subscription",
    "keep_event",
    "pending_delivery",
    "queue_access_revoked",
    "queue_alert",
    "queue_credentials_rotated",
    "queue_email",
    "queue_endpoint_disabled_notice",
    "record_attempt",
    "record_attempts",
    "record_email_attempt",
    "record_publish_attempt",
    "register_partner",
    "remove_suppression",
    "replay_range",
    "resend_delivery",
    "rotate_secret",
    "suppress_delivery",
    "suppressed",
    "write_emails",
]
