"""The notifications service, declared: its API, its consumers, its workers and its clocks.

Partners subscribe a webhook, an email address (one email per event, or a daily or weekly
digest) or their own queue; the fan-out consumer turns every matching event into a delivery,
and a worker per channel sends it, retrying on its own schedule.
"""

from __future__ import annotations

from services.notifications import api, tables
from services.notifications.clocks import clocks
from services.notifications.consumers import consumers
from services.notifications.handover import Handover
from services.notifications.settings import EmailSettings, NotificationsDefinition, QueueSettings, WebhookSettings
from services.notifications.workers import WORKERS


def make_definition(
    config: WebhookSettings | None = None, email: EmailSettings | None = None, queues: QueueSettings | None = None
) -> NotificationsDefinition:
    """The service for a given configuration (tests pass short retries, an allow-listed 127.0.0.1, a test SMTP port)."""
    email = email or EmailSettings()
    # One per process: fan-out hands its new webhook deliveries to the worker running beside it.
    handover = Handover()
    return NotificationsDefinition(
        name="notifications",
        title="Cohesion — notifications",
        description=(
            "Partners, their subscriptions and the deliveries of the CloudEvents published on `cohesion.events`: "
            "signed webhooks (Standard Webhooks), emails (immediate or daily/weekly digests, with a suppression "
            "list) and partners' own queues. Publishes `notifications.*` events."
        ),
        metadata=tables.metadata,
        port=8004,
        routers=api.routers,
        consumers=consumers(email, handover),
        # The workers loop for as long as the service runs (a schedule restarts one if it ever fails).
        schedules=[*WORKERS, *clocks(email)],
        # Every delivery's outcome is an event, so the relay is as busy as the workers: in its own
        # thread, contending for the GIL with them, 500 deliveries/s fell behind (320-396/s, p99
        # 2.7-5.6 s, against 492-493/s and p99 0.3-0.4 s on the service's loop).
        relay_on_own_loop=False,
        webhooks=config or WebhookSettings(),
        email=email,
        queues=queues or QueueSettings(),
        handover=handover,
    )


definition = make_definition()
