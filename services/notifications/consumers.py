"""What the notifications service consumes: every other service's events, and the events someone must be told about.

- ``notifications.fan-out``: each event (but notifications' own) becomes a delivery for every
  active subscription it matches; new webhook deliveries go straight to this process's worker.
- ``notifications.alerts``: an overdue milestone, a monitoring report due, a ward behind on its
  meetings, or a ward spend request awaiting approval or decided is noted as an alert, whose
  recipients ``alerts.address_alerts`` finds later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects.postgresql import insert as pg_insert

import shared.events.catalogue  # noqa: F401 - registers every event type in CATALOGUE
from services.notifications.domain import (
    Alert,
    AlertKind,
    Audience,
    Email,
    EventFacts,
    NewDelivery,
    event_message_id,
    secrets_in_force,
    themes_of,
    wards_of,
)
from services.notifications.handlers import body_of, keep_event, write_emails
from services.notifications.handover import DELIVERIES_CHANNEL, Dispatch, Handover
from services.notifications.messages import EventSummary, Links, event_email
from services.notifications.settings import EmailSettings, links_for
from services.notifications.tables import alerts
from shared import calendar
from shared.events import CATALOGUE, Envelope, EventData, EventMeta
from shared.events.catalogue.actions import MilestoneOverdue
from shared.events.catalogue.grants import MonitoringReportDue
from shared.events.catalogue.wards import MeetingsBehind, SpendApproved, SpendRefused, SpendRequested
from shared.messaging.consumer import Consumer, Handler
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from services.notifications.workers import DeliveryWorker


FAN_OUT = "notifications.fan-out"
ALERTS = "notifications.alerts"
# The events someone must be emailed about, and what kind of alert each makes.
AlertEvent = MilestoneOverdue | MonitoringReportDue | MeetingsBehind | SpendRequested | SpendApproved | SpendRefused
ALERT_KINDS: dict[str, AlertKind] = {
    MilestoneOverdue.event_type: "milestone_overdue",
    MonitoringReportDue.event_type: "report_due",
    MeetingsBehind.event_type: "cadence_behind",
    SpendRequested.event_type: "spend_awaiting_approval",
    SpendApproved.event_type: "spend_decided",
    SpendRefused.event_type: "spend_decided",
}
# The fan-out handles every other service's events, never notifications' own: each delivery
# publishes an event of its own, and handling those would bring every one of them back through the
# broker into an inbox transaction only to be ignored (the handler still refuses them, too).
FAN_OUT_EVENTS: tuple[type[EventData], ...] = tuple(
    model for _, model in sorted(CATALOGUE.items()) if model.service() != "notifications"
)


def consumers(email: EmailSettings, handover: Handover) -> list[Consumer]:
    """The service's consumers; fan-out's immediate emails link to the service's API and hand webhook
    deliveries to this process's worker (``handover``)."""
    return [
        Consumer(
            FAN_OUT,
            fan_out_linking_to(email, handover),
            description="Every event (except notifications.*) becomes a delivery for each matching subscription.",
            events=FAN_OUT_EVENTS,
            # Bound to "#" before the fan-out left out notifications' own events, then to each other
            # service's "<service>.#" before it named the events it handles.
            retired_bindings=("#", "actions.#", "grants.#", "wards.#"),
        ),
        Consumer(
            ALERTS,
            note_alert,
            description="Events someone must be emailed about: an overdue milestone (its lead partner), a "
            "monitoring report due (the grantee), a ward behind on its meetings (the ward's members), a ward "
            "spend request awaiting approval (the council's approvers) or decided (the ward's members).",
        ),
    ]


def fan_out_linking_to(email: EmailSettings, handover: Handover | None = None) -> Handler:
    """The fan-out handler, with the links its immediate emails carry (read from the settings once),
    handing webhook deliveries to this process's worker. Every event is passed on as it arrived."""
    links: Links | None = None

    async def fan_out_event(event: EventData, meta: EventMeta, uow: UnitOfWork) -> None:
        """Every event (except notifications.*) becomes a delivery for each matching subscription."""
        nonlocal links
        links = links or links_for(Settings(), email)
        await fan_out(meta.envelope, uow, links=links, handover=handover)

    return fan_out_event


_CANDIDATES = (
    "SELECT id, partner_id, council, status, channel, mode, email, event_types, wards, themes,"
    " url, secret, previous_secret, previous_secret_expires_at FROM subscriptions"
    " WHERE council = $1 AND status = 'active'"
    " AND (cardinality(wards) = 0 OR wards && $2::varchar[])"
    " AND (cardinality(themes) = 0 OR themes && $3::varchar[])"
)
# One statement for every matched subscription, whatever their number.
_INSERT_DELIVERIES = """
    INSERT INTO deliveries (id, subscription_id, event_id, event_type, council, status, attempts,
                            round_attempts, next_attempt_at, created_at, channel, kind, partner_id)
    SELECT u.id, u.subscription_id, $1, u.event_type, u.council, u.status, 0, 0,
           u.next_attempt_at, $2, u.channel, 'event', u.partner_id
    FROM unnest(
        $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::text[]
    ) AS u(id, subscription_id, event_type, council, status, next_attempt_at, channel, partner_id)
    ON CONFLICT DO NOTHING
    RETURNING id
"""
_NOTIFY_DELIVERIES = f"NOTIFY {DELIVERIES_CHANNEL}"


async def fan_out(
    envelope: Envelope, uow: UnitOfWork, *, links: Links | None = None, handover: Handover | None = None
) -> None:
    """Record one delivery for every active subscription the event matches (the consumer commits).

    A webhook delivery this process's worker has room for is inserted leased and handed to it
    once the transaction commits (``handover``); any other is left due for a worker's claim.
    An immediate email's message is written now, so every attempt sends the same one;
    a digest subscription's delivery waits, queued, for its period to end.
    """
    if envelope.type.startswith("notifications."):
        return  # our own events never fan out: a failed delivery must not cause another delivery
    # The database narrows the candidates by council, ward and theme; the domain's rule decides.
    db = await uow.driver()
    found = await db.fetch(
        _CANDIDATES, envelope.council, sorted(wards_of(envelope.data)), sorted(themes_of(envelope.data))
    )
    facts = EventFacts(type=envelope.type, council=envelope.council, data=envelope.data)
    matched = [(s, row) for s, row in ((Audience.of(row), row) for row in found) if s.matches(facts)]
    if not matched:
        return
    await keep_event(uow, envelope)
    now = calendar.now()
    worker = handover.worker if handover is not None else None
    rows: list[NewDelivery] = []
    handed: list[Dispatch] = []
    for audience, row in matched:
        delivery = audience.new_delivery(envelope.id, envelope.type, now)
        if worker is not None and delivery.is_webhook_due and worker.reserve(audience.id):
            delivery = delivery._replace(next_attempt_at=worker.lease_until(now))
            handed.append(_dispatch_of(delivery, row, envelope, now))
        rows.append(delivery)
    inserted = await db.fetch(
        _INSERT_DELIVERIES,
        envelope.id,
        now,
        [d.id for d in rows],
        [d.subscription_id for d in rows],
        [d.event_type for d in rows],
        [d.council for d in rows],
        [d.status for d in rows],
        [d.next_attempt_at for d in rows],
        [d.channel for d in rows],
        [d.partner_id for d in rows],
    )
    if worker is not None and handed:
        uow.on_outcome(_hand_over(worker, handed, inserted={r["id"] for r in inserted}))
    if worker is None and any(d.is_webhook_due for d in rows):
        # Wakes the webhook workers (LISTEN) once this transaction commits, rather than at their next poll.
        # Not when a worker here refused a delivery: it was full, for that endpoint or altogether, and
        # wakes itself to claim as soon as it has room; a NOTIFY per event to an endpoint that has stopped
        # answering cost every worker a claim that could take nothing.
        await db.execute(_NOTIFY_DELIVERIES)
    immediate = [
        (s, d) for (s, _), d in zip(matched, rows, strict=True) if s.channel == "email" and s.email and not s.is_digest
    ]
    if immediate:
        links = links or Links()
        summary = EventSummary.of(envelope)
        await write_emails(
            uow,
            [
                Email(
                    delivery_id=d.id,
                    recipient=s.email,
                    message_id=event_message_id(envelope.id, s.id),
                    **vars(event_email(summary, api_url=links.source(envelope.type))),
                )
                for s, d in immediate
                if s.email
            ],
        )


def _dispatch_of(delivery: NewDelivery, subscription: Any, envelope: Envelope, now: datetime) -> Dispatch:
    """What the worker needs to send a delivery, from fan-out's row of its subscription."""
    secrets = secrets_in_force(
        subscription["secret"], subscription["previous_secret"], subscription["previous_secret_expires_at"], now
    )
    return Dispatch(
        delivery_id=delivery.id,
        subscription_id=delivery.subscription_id,
        event_id=envelope.id,
        event_type=envelope.type,
        url=subscription["url"],
        secrets=tuple(secrets),
        body=body_of(envelope),
        traceparent=envelope.traceparent,
    )


def _hand_over(worker: DeliveryWorker, handed: list[Dispatch], *, inserted: set[str]) -> Callable[[bool], None]:
    """Once fan-out's transaction has ended: the worker sends what it committed, and gets the other places back."""

    def settle(committed: bool) -> None:
        # Only a delivery this transaction inserted, and committed, is the worker's to send; one already
        # there (the same event fanned out before) keeps its own state and lease.
        ours = [d for d in handed if committed and d.delivery_id in inserted]
        worker.release([d.subscription_id for d in handed if d not in ours])
        worker.start_reserved(ours)

    return settle


async def note_alert(event: AlertEvent, meta: EventMeta, uow: UnitOfWork) -> None:
    """Remember that an event calls for an alert (the consumer commits); its recipients are found later,
    outside this transaction, since that may mean asking another service."""
    kind = ALERT_KINDS[event.event_type]
    envelope = meta.envelope
    await keep_event(uow, envelope)
    alert = Alert.of(envelope.id, kind, envelope.council, calendar.now())
    await uow.session.execute(
        pg_insert(alerts)
        .values(
            id=alert.id,
            event_id=alert.event_id,
            kind=alert.kind,
            council=alert.council,
            status=alert.status,
            next_attempt_at=alert.next_attempt_at,
            created_at=alert.created_at,
        )
        .on_conflict_do_nothing()
    )
