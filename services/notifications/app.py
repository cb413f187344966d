"""The notifications service, wired: its API, the fan-out consumer, and the webhook and email workers.

Partners subscribe a webhook, an email address (one email per event, or a daily or weekly
digest) or their own queue; the fan-out consumer turns every matching event into a delivery,
and a worker per channel sends it, retrying on its own schedule.
"""

from __future__ import annotations

from services.notifications import api, tables
from services.notifications.alerts import address_alerts
from services.notifications.emails import run_email_sender, send_due_digests
from services.notifications.handlers import ALERT_KINDS, ALERTS, FAN_OUT, fan_out, note_alert
from services.notifications.handover import Handover
from services.notifications.messages import Links
from services.notifications.partner_queues import run_queue_publisher
from services.notifications.settings import EmailSettings, QueueSettings, WebhookSettings
from services.notifications.worker import run_delivery_worker
from shared.events import CATALOGUE, Envelope
from shared.messaging.consumer import Consumer, Handler
from shared.service import Runtime, Schedule, ServiceDefinition
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork

# The fan-out binds to every other service's events, never to ``notifications.#``: each delivery
# publishes an event of its own, and binding ``#`` would bring every one of them back through the
# broker into an inbox transaction only to be ignored (the handler still refuses them, too).
FAN_OUT_BINDINGS: tuple[str, ...] = tuple(
    f"{service}.#" for service in sorted({t.split(".", 1)[0] for t in CATALOGUE} - {"notifications"})
)


def links_for(settings: Settings, email: EmailSettings) -> Links:
    """Where the links in emails point: the public API of this service, and of each publishing service."""
    urls = settings.service_urls
    return Links(notifications=email.public_api_url or urls.get("notifications", Links.notifications), services=urls)


def fan_out_linking_to(email: EmailSettings, handover: Handover | None = None) -> Handler:
    """The fan-out handler, with the links its immediate emails carry (read from the settings once),
    handing webhook deliveries to this process's worker."""
    links: Links | None = None

    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        nonlocal links
        links = links or links_for(Settings(), email)
        await fan_out(envelope, uow, links=links, handover=handover)

    return handle


def make_definition(
    config: WebhookSettings | None = None, email: EmailSettings | None = None, queues: QueueSettings | None = None
) -> ServiceDefinition:
    """The service for a given configuration (tests pass short retries, an allow-listed 127.0.0.1, a test SMTP port)."""
    config = config or WebhookSettings()
    email = email or EmailSettings()
    queues = queues or QueueSettings()
    # One per process: fan-out hands its new webhook deliveries to the worker running beside it.
    handover = Handover()

    async def delivery_worker(runtime: Runtime) -> None:
        await run_delivery_worker(runtime, config, handover)

    async def email_sender(runtime: Runtime) -> None:
        await run_email_sender(runtime, email)

    async def queue_publisher(runtime: Runtime) -> None:
        await run_queue_publisher(runtime, queues)

    async def alert_recipients(runtime: Runtime) -> None:
        await address_alerts(runtime, links_for(runtime.settings, email))

    async def digests(runtime: Runtime) -> None:
        await send_due_digests(runtime, links_for(runtime.settings, email))

    return ServiceDefinition(
        name="notifications",
        title="Cohesion — notifications",
        description=(
            "Partners, their subscriptions and the deliveries of the CloudEvents published on `cohesion.events`: "
            "signed webhooks (Standard Webhooks), emails (immediate or daily/weekly digests, with a suppression "
            "list) and partners' own queues. Publishes `notifications.*` events."
        ),
        metadata=tables.metadata,
        port=8004,
        routers=api.routers(config, queues),
        consumers=[
            Consumer(
                FAN_OUT,
                FAN_OUT_BINDINGS,
                fan_out_linking_to(email, handover),
                description="Every event (except notifications.*) becomes a delivery for each matching subscription.",
                # Bound to "#" before the fan-out left out notifications' own events.
                retired_bindings=("#",),
            ),
            Consumer(
                ALERTS,
                tuple(ALERT_KINDS),
                note_alert,
                description="Events someone must be emailed about: an overdue milestone (its lead partner), a "
                "monitoring report due (the grantee), a ward behind on its meetings (the ward's members).",
            ),
        ],
        # The workers loop for as long as the service runs; the schedule restarts one if it ever fails.
        schedules=[
            Schedule("webhook-delivery", delivery_worker, every_seconds=1.0),
            Schedule("email-delivery", email_sender, every_seconds=1.0),
            Schedule("queue-delivery", queue_publisher, every_seconds=1.0),
            Schedule("email-digests", digests, every_seconds=email.digest_poll_seconds),
            Schedule("alert-recipients", alert_recipients, every_seconds=email.poll_seconds),
        ],
        # Every delivery's outcome is an event, so the relay is as busy as the workers: in its own
        # thread, contending for the GIL with them, 500 deliveries/s fell behind (320-396/s, p99
        # 2.7-5.6 s, against 492-493/s and p99 0.3-0.4 s on the service's loop).
        relay_on_own_loop=False,
    )


definition = make_definition()
