"""Commands and event handlers of the notifications service: one plain function each.

The unit of work arrives as an argument; each function changes state, emits
its event, writes its audit entry (for commands) and commits.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import bindparam, case, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.notifications.domain import (
    Alert,
    AlertKind,
    AttemptConsequence,
    AttemptResult,
    Audience,
    Channel,
    Delivery,
    DeliveryAttempt,
    DigestPeriod,
    DisableReason,
    Email,
    EventFacts,
    NewDelivery,
    Partner,
    RetrySchedule,
    Subscription,
    Suppression,
    digest_message_id,
    event_message_id,
    normalised_address,
    notice_message_id,
    secrets_in_force,
    themes_of,
    wards_of,
)
from services.notifications.handover import Dispatch, Handover
from services.notifications.messages import (
    EventSummary,
    Links,
    digest_email,
    endpoint_disabled_email,
    event_email,
)
from services.notifications.tables import (
    alerts,
    deliveries,
    email_messages,
    received_events,
    subscriptions,
    suppressions,
)
from shared.events import Envelope, EventMeta, decode_envelope
from shared.events.catalogue.actions import MilestoneOverdue
from shared.events.catalogue.grants import MonitoringReportDue
from shared.events.catalogue.notifications import (
    DeliveryExhausted,
    DeliveryFailed,
    DeliveryResendRequested,
    DeliverySucceeded,
    DeliverySuppressed,
    EmailQueued,
    EndpointDisabled,
    EndpointEnabled,
    PartnerRegistered,
    QueueAccessGranted,
    QueueAccessRevoked,
    QueueCredentialsRotated,
    SubscriptionCreated,
    SubscriptionReplayRequested,
    SubscriptionSecretRotated,
    SuppressionAdded,
    SuppressionRemoved,
)
from shared.events.catalogue.wards import MeetingsBehind
from shared.metrics import DELIVERIES
from shared.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from services.notifications.worker import DeliveryWorker

log = logging.getLogger(__name__)

FAN_OUT = "notifications.fan-out"


def now_utc() -> datetime:
    return datetime.now(UTC)


async def register_partner(uow: UnitOfWork, partner: Partner) -> Partner:
    uow.session.add(partner)
    uow.emit(
        PartnerRegistered(partner_id=partner.id, organisation=partner.organisation),
        subject=partner.id,
        council=partner.council,
    )
    uow.audit("notifications.partner.register", partner.id, organisation=partner.organisation)
    await uow.commit()
    return partner


async def create_subscription(
    uow: UnitOfWork, subscription: Subscription, *, queue: str | None = None, user: str | None = None
) -> Subscription:
    """Store a subscription; for a queue subscription, ``queue`` and ``user`` already exist on the broker."""
    uow.session.add(subscription)
    uow.emit(
        SubscriptionCreated(
            subscription_id=subscription.id,
            partner_id=subscription.partner_id,
            channel=subscription.channel,
            event_types=list(subscription.event_types),
            mode=subscription.mode,
        ),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit(
        "notifications.subscription.create",
        subscription.id,
        partner_id=subscription.partner_id,
        event_types=list(subscription.event_types),
    )
    if queue is not None and user is not None:
        uow.emit(
            QueueAccessGranted(
                subscription_id=subscription.id, partner_id=subscription.partner_id, queue=queue, username=user
            ),
            subject=subscription.id,
            council=subscription.council,
        )
        uow.audit("notifications.subscription.grant_queue", subscription.id, queue=queue, username=user)
    await uow.commit()
    return subscription


async def rotate_secret(uow: UnitOfWork, subscription: Subscription, grace: timedelta) -> str:
    now = now_utc()
    secret = subscription.rotate_secret(now, grace)
    assert subscription.previous_secret_expires_at is not None
    uow.emit(
        SubscriptionSecretRotated(
            subscription_id=subscription.id,
            partner_id=subscription.partner_id,
            previous_secret_expires_at=subscription.previous_secret_expires_at,
        ),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit("notifications.subscription.rotate_secret", subscription.id, grace_seconds=grace.total_seconds())
    await uow.commit()
    return secret


async def enable_subscription(uow: UnitOfWork, subscription: Subscription) -> Subscription:
    subscription.enable()
    uow.emit(
        EndpointEnabled(subscription_id=subscription.id, partner_id=subscription.partner_id),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit("notifications.subscription.enable", subscription.id)
    await uow.commit()
    return subscription


async def resend_delivery(uow: UnitOfWork, delivery: Delivery) -> Delivery:
    delivery.resend(now_utc())
    uow.emit(
        DeliveryResendRequested(
            delivery_id=delivery.id, subscription_id=delivery.subscription_id, event_id=delivery.event_id
        ),
        subject=delivery.id,
        council=delivery.council,
    )
    uow.audit("notifications.delivery.resend", delivery.id)
    await uow.commit()
    return delivery


async def replay_range(uow: UnitOfWork, subscription: Subscription, start: datetime, end: datetime) -> int:
    """Deliver again every delivery of the subscription created in [start, end), with their own webhook-ids."""
    now = now_utc()
    result = await uow.session.execute(
        update(deliveries)
        .where(
            deliveries.c.subscription_id == subscription.id,
            deliveries.c.kind == "event",
            deliveries.c.created_at >= start,
            deliveries.c.created_at < end,
        )
        # A digest subscription's events go back into its next digest.
        .values(
            status=case((deliveries.c.status.in_(("queued", "digested")), "queued"), else_="pending"),
            digest_id=None,
            round_attempts=0,
            next_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    uow.emit(
        SubscriptionReplayRequested(
            subscription_id=subscription.id,
            partner_id=subscription.partner_id,
            created_from=start,
            created_to=end,
            deliveries=count,
        ),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit(
        "notifications.subscription.replay", subscription.id, start=start.isoformat(), end=end.isoformat(), count=count
    )
    await uow.commit()
    return count


# Active subscriptions of the council that may match an event naming these wards and themes (a
# subscription without a ward or theme filter may match any). Fan-out runs for every event, so its
# statements go straight to asyncpg (UnitOfWork.driver), in the consumer's transaction.
_CANDIDATES = (
    "SELECT id, partner_id, council, status, channel, mode, email, event_types, wards, themes,"
    " url, secret, previous_secret, previous_secret_expires_at FROM subscriptions"
    " WHERE council = $1 AND status = 'active'"
    " AND (cardinality(wards) = 0 OR wards && $2::varchar[])"
    " AND (cardinality(themes) = 0 OR themes && $3::varchar[])"
)
_KEEP_EVENT = (
    "INSERT INTO received_events (event_id, event_type, council, traceparent, body)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
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


DELIVERIES_CHANNEL = "cohesion_webhook_deliveries"
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
    now = now_utc()
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


async def write_emails(uow: UnitOfWork, emails: Sequence[Email]) -> None:
    if emails:
        await uow.session.execute(
            pg_insert(email_messages).values([vars_of(e) for e in emails]).on_conflict_do_nothing()
        )


def vars_of(email: Email) -> dict[str, str]:
    return {
        "delivery_id": email.delivery_id,
        "recipient": email.recipient,
        "subject": email.subject[:300],
        "body": email.body,
        "message_id": email.message_id,
    }


def body_of(envelope: Envelope) -> bytes:
    """The structured CloudEvent to send: the bytes as they came off the queue, or written anew by the SDK."""
    return envelope.raw if envelope.raw is not None else envelope.to_json_bytes()


async def record_attempt(
    uow: UnitOfWork,
    delivery_id: str,
    result: AttemptResult,
    *,
    schedule: RetrySchedule,
    disable_after: timedelta,
    rand: random.Random | None = None,
    links: Links | None = None,
) -> Delivery | None:
    """Store one attempt and its consequences (retry, give up, disable the endpoint) and publish them.

    Disabling an endpoint also queues an email to the partner's contact, in the same transaction.
    """
    delivery = await uow.session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None:
        return None
    subscription = await uow.session.get(Subscription, delivery.subscription_id, with_for_update=True)
    assert subscription is not None
    now = now_utc()
    attempt, consequence = delivery.record_attempt(
        result, subscription, now=now, schedule=schedule, disable_after=disable_after, rand=rand
    )
    uow.session.add(attempt)
    _emit_outcome(uow, delivery, subscription, result, consequence)
    if consequence.endpoint_disabled:
        await _disabled(uow, subscription, consequence.endpoint_disabled, links)
    await uow.commit()
    return delivery


# The batch form of ``record_attempt`` for the webhook worker's hot path: plain SQL, a few
# statements for any number of attempts. Rows are locked in id order (deliveries, then their
# subscriptions), so two workers recording overlapping batches never deadlock. A subscription is
# locked FOR NO KEY UPDATE: exclusive against another recorder and the API's FOR UPDATE, but not
# against the key-share lock a new delivery's foreign key takes, so fan-out is never held up.
_LOCK_DELIVERIES = text(
    f"SELECT {', '.join(c.name for c in deliveries.columns)} FROM deliveries"
    " WHERE id = ANY(CAST(:ids AS text[])) ORDER BY id FOR UPDATE"
)
_LOCK_SUBSCRIPTIONS = text(
    f"SELECT {', '.join(c.name for c in subscriptions.columns)} FROM subscriptions"
    " WHERE id = ANY(CAST(:ids AS text[])) ORDER BY id FOR NO KEY UPDATE"
)
_UPDATE_DELIVERIES = text(
    """
    UPDATE deliveries AS d
    SET status = u.status, attempts = u.attempts, round_attempts = u.round_attempts,
        next_attempt_at = u.next_attempt_at, last_status_code = u.last_status_code,
        last_error = u.last_error, succeeded_at = u.succeeded_at
    FROM unnest(
        CAST(:id AS text[]), CAST(:status AS text[]), CAST(:attempts AS integer[]),
        CAST(:round_attempts AS integer[]), CAST(:next_attempt_at AS timestamptz[]),
        CAST(:last_status_code AS smallint[]), CAST(:last_error AS text[]), CAST(:succeeded_at AS timestamptz[])
    ) AS u(id, status, attempts, round_attempts, next_attempt_at, last_status_code, last_error, succeeded_at)
    WHERE d.id = u.id
    """
)
_INSERT_ATTEMPTS = text(
    """
    INSERT INTO delivery_attempts (delivery_id, number, started_at, latency_ms, status_code, response_excerpt, error)
    SELECT * FROM unnest(
        CAST(:delivery_id AS text[]), CAST(:number AS integer[]), CAST(:started_at AS timestamptz[]),
        CAST(:latency_ms AS integer[]), CAST(:status_code AS smallint[]), CAST(:response_excerpt AS text[]),
        CAST(:error AS text[])
    )
    """
)
_DELIVERY_STATE = ("status", "attempts", "round_attempts", "next_attempt_at", "last_status_code", "last_error")
_SUBSCRIPTION_STATE = ("status", "failing_since", "disabled_at", "disabled_reason")
_UPDATE_SUBSCRIPTION = (
    update(subscriptions)
    .where(subscriptions.c.id == bindparam("subscription_id"))
    .values({name: bindparam(name) for name in _SUBSCRIPTION_STATE})
)


async def record_attempts(
    uow: UnitOfWork,
    outcomes: Sequence[tuple[str, AttemptResult]],
    *,
    schedule: RetrySchedule,
    disable_after: timedelta,
    rand: random.Random | None = None,
    links: Links | None = None,
) -> list[Delivery]:
    """``record_attempt`` for many (delivery id, result) pairs at once, in one transaction, with the
    same rules (``Delivery.record_attempt``), the same rows and the same events as one by one, in order."""
    conn = uow.connection
    ids = sorted({delivery_id for delivery_id, _ in outcomes})
    found = {row["id"]: Delivery(**row) for row in (await conn.execute(_LOCK_DELIVERIES, {"ids": ids})).mappings()}
    if not found:
        await uow.commit()
        return []
    subscription_ids = sorted({d.subscription_id for d in found.values() if d.subscription_id})
    subs = {
        row["id"]: Subscription(**row)
        for row in (await conn.execute(_LOCK_SUBSCRIPTIONS, {"ids": subscription_ids})).mappings()
    }
    before = {sid: tuple(getattr(s, name) for name in _SUBSCRIPTION_STATE) for sid, s in subs.items()}
    now = now_utc()
    attempts: list[DeliveryAttempt] = []
    recorded: list[Delivery] = []
    for delivery_id, result in outcomes:
        delivery = found.get(delivery_id)
        if delivery is None:
            continue
        assert delivery.subscription_id is not None
        subscription = subs[delivery.subscription_id]
        attempt, consequence = delivery.record_attempt(
            result, subscription, now=now, schedule=schedule, disable_after=disable_after, rand=rand
        )
        attempts.append(attempt)
        recorded.append(delivery)
        _emit_outcome(uow, delivery, subscription, result, consequence)
        if consequence.endpoint_disabled:
            await _disabled(uow, subscription, consequence.endpoint_disabled, links)
    changed = list({d.id: d for d in recorded}.values())
    await conn.execute(
        _UPDATE_DELIVERIES,
        {
            **{name: [getattr(d, name) for d in changed] for name in _DELIVERY_STATE},
            "id": [d.id for d in changed],
            "succeeded_at": [d.succeeded_at for d in changed],
        },
    )
    await conn.execute(
        _INSERT_ATTEMPTS,
        {
            "delivery_id": [a.delivery_id for a in attempts],
            "number": [a.number for a in attempts],
            "started_at": [a.started_at for a in attempts],
            "latency_ms": [a.latency_ms for a in attempts],
            "status_code": [a.status_code for a in attempts],
            "response_excerpt": [a.response_excerpt for a in attempts],
            "error": [a.error for a in attempts],
        },
    )
    touched = [
        {"subscription_id": sid, **{name: getattr(s, name) for name in _SUBSCRIPTION_STATE}}
        for sid, s in subs.items()
        if tuple(getattr(s, name) for name in _SUBSCRIPTION_STATE) != before[sid]
    ]
    if touched:
        await conn.execute(_UPDATE_SUBSCRIPTION, touched)
    await uow.commit()
    return recorded


def emit_attempt_outcome(
    uow: UnitOfWork,
    delivery: Delivery,
    channel: Channel,
    *,
    succeeded: bool,
    status_code: int | None,
    error: str | None,
    next_attempt_at: datetime | None,
    exhausted: bool,
) -> None:
    """The events of one attempt, on any channel: succeeded, or failed (and exhausted when it gave up);
    counted in the metrics once they are committed."""
    outcome = "succeeded" if succeeded else "exhausted" if exhausted else "failed"
    uow.on_outcome(lambda committed: DELIVERIES.add(1, {"channel": channel, "outcome": outcome}) if committed else None)
    ids = {
        "delivery_id": delivery.id,
        "subscription_id": delivery.subscription_id or "",
        "event_id": delivery.event_id or "",
    }
    if succeeded:
        uow.emit(
            DeliverySucceeded(**ids, channel=channel, attempts=delivery.attempts),
            subject=delivery.id,
            council=delivery.council,
        )
        return
    uow.emit(
        DeliveryFailed(
            **ids,
            channel=channel,
            attempt=delivery.attempts,
            status_code=status_code,
            error=(error or "")[:200] or None,
            next_attempt_at=next_attempt_at,
        ),
        subject=delivery.id,
        council=delivery.council,
    )
    if exhausted:
        uow.emit(
            DeliveryExhausted(**ids, channel=channel, attempts=delivery.attempts),
            subject=delivery.id,
            council=delivery.council,
        )


def _emit_outcome(
    uow: UnitOfWork,
    delivery: Delivery,
    subscription: Subscription,
    result: AttemptResult,
    consequence: AttemptConsequence,
) -> None:
    """The events of one webhook attempt."""
    emit_attempt_outcome(
        uow,
        delivery,
        "webhook",
        succeeded=consequence.verdict == "succeeded",
        status_code=result.status_code,
        error=result.error,
        next_attempt_at=consequence.next_attempt_at,
        exhausted=consequence.exhausted,
    )


async def _disabled(uow: UnitOfWork, subscription: Subscription, reason: DisableReason, links: Links | None) -> None:
    """The endpoint was just switched off: publish it, audit it and email the partner's contact."""
    assert subscription.disabled_at is not None
    disabled_event = uow.emit(
        EndpointDisabled(
            subscription_id=subscription.id,
            partner_id=subscription.partner_id,
            reason=reason,
            disabled_at=subscription.disabled_at,
            failing_since=subscription.failing_since,
        ),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit("notifications.subscription.disable", subscription.id, reason=reason)
    await queue_endpoint_disabled_notice(uow, subscription, disabled_event, links=links)


# --- Emails of our own: notices, alerts, digests -------------------------------------


async def keep_event(uow: UnitOfWork, envelope: Envelope) -> None:
    """Keep the event a delivery is about (its exact bytes, to send or to name it in an email); once."""
    db = await uow.driver()
    await db.execute(_KEEP_EVENT, envelope.id, envelope.type, envelope.council, envelope.traceparent, body_of(envelope))


async def queue_email(
    uow: UnitOfWork, delivery: Delivery, email: Email, *, period: str | None = None, events: int | None = None
) -> bool:
    """Store an email of our own and publish that it is queued; False when it already was (same key)."""
    if await uow.session.get(Delivery, delivery.id) is not None:
        return False
    uow.session.add(delivery)
    await uow.session.flush()
    uow.session.add(email)
    assert delivery.kind != "event"
    uow.emit(
        EmailQueued(
            delivery_id=delivery.id,
            kind=delivery.kind,
            event_id=delivery.event_id,
            subscription_id=delivery.subscription_id,
            partner_id=delivery.partner_id,
            period=period,
            events=events,
        ),
        subject=delivery.id,
        council=delivery.council,
    )
    return True


async def queue_alert(
    uow: UnitOfWork,
    envelope: Envelope,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    *,
    partner_id: str | None = None,
) -> Delivery | None:
    """One alert email for one recipient of an event; the same event and recipient always make the same delivery."""
    await keep_event(uow, envelope)
    delivery = Delivery.email_of_our_own(
        kind,  # type: ignore[arg-type]
        key=f"{envelope.id}:{normalised_address(recipient)}",
        council=envelope.council,
        event_type=envelope.type,
        now=now_utc(),
        event_id=envelope.id,
        partner_id=partner_id,
    )
    email = Email(delivery.id, recipient, subject, body, notice_message_id(envelope.id, delivery.id))
    return delivery if await queue_email(uow, delivery, email) else None


async def queue_endpoint_disabled_notice(
    uow: UnitOfWork, subscription: Subscription, disabled: Envelope, *, links: Links | None = None
) -> None:
    """Tell the partner's contact, by email, that its webhook endpoint was switched off."""
    partner = await uow.session.get(Partner, subscription.partner_id)
    assert partner is not None and subscription.disabled_at is not None
    links = links or Links()
    await keep_event(uow, disabled)
    delivery = Delivery.email_of_our_own(
        "endpoint_disabled",
        key=disabled.id,
        council=subscription.council,
        event_type=disabled.type,
        now=now_utc(),
        event_id=disabled.id,
        subscription_id=subscription.id,
        partner_id=partner.id,
    )
    wording = endpoint_disabled_email(
        partner,
        subscription,
        reason=subscription.disabled_reason or "sustained_failure",
        disabled_at=subscription.disabled_at,
        failing_since=subscription.failing_since,
        api_url=links.subscription(subscription.id),
    )
    email = Email(
        delivery.id, partner.contact_email, wording.subject, wording.body, notice_message_id(disabled.id, delivery.id)
    )
    await queue_email(uow, delivery, email)


async def compile_digest(
    uow: UnitOfWork, subscription: Subscription, period: DigestPeriod, *, links: Links | None = None
) -> Delivery | None:
    """Gather the events queued for a digest subscription until the period's end into one email.

    Called once per period (the caller claims the occurrence); a period with no events sends nothing.
    """
    queued = (
        await uow.session.scalars(
            select(Delivery)
            .where(
                deliveries.c.subscription_id == subscription.id,
                deliveries.c.status == "queued",
                deliveries.c.created_at <= period.send_at,
            )
            .order_by(deliveries.c.created_at, deliveries.c.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not queued:
        return None
    bodies = dict(
        (
            await uow.session.execute(
                select(received_events.c.event_id, received_events.c.body).where(
                    received_events.c.event_id.in_([d.event_id for d in queued])
                )
            )
        ).all()
    )
    summaries = [EventSummary.of(decode_envelope(bytes(bodies[d.event_id]))) for d in queued if d.event_id in bodies]
    summaries.sort(key=lambda e: e.time)
    links = links or Links()
    delivery = Delivery.email_of_our_own(
        "digest",
        key=f"{subscription.id}:{period.key}",
        council=subscription.council,
        event_type="notifications.digest",
        now=now_utc(),
        subscription_id=subscription.id,
        partner_id=subscription.partner_id,
    )
    wording = digest_email(subscription, period, summaries, api_url=f"{links.subscription(subscription.id)}/deliveries")
    assert subscription.email is not None
    email = Email(
        delivery.id,
        subscription.email,
        wording.subject,
        wording.body,
        digest_message_id(period.key, subscription.id),
    )
    if not await queue_email(uow, delivery, email, period=period.key, events=len(summaries)):
        return None
    for item in queued:
        item.status = "digested"
        item.digest_id = delivery.id
    return delivery


async def suppressed(uow: UnitOfWork, council: str, address: str) -> bool:
    found = await uow.session.scalar(
        select(func.count())
        .select_from(suppressions)
        .where(suppressions.c.council == council, suppressions.c.address == normalised_address(address))
    )
    return bool(found)


async def add_suppression(
    uow: UnitOfWork, council: str, address: str, reason: Literal["requested", "user_unknown"]
) -> Suppression:
    """Put an address on the council's list (idempotent: an address already there keeps its entry)."""
    address = normalised_address(address)
    existing = await uow.session.scalar(
        select(Suppression).where(suppressions.c.council == council, suppressions.c.address == address)
    )
    if existing is not None:
        return existing
    suppression = Suppression(str(uuid.uuid4()), council, address, reason, now_utc())
    uow.session.add(suppression)
    uow.emit(
        SuppressionAdded(suppression_id=suppression.id, reason=reason),
        subject=suppression.id,
        council=council,
    )
    uow.audit("notifications.suppression.add", suppression.id, reason=reason)
    return suppression


async def remove_suppression(uow: UnitOfWork, suppression: Suppression) -> None:
    await uow.session.delete(suppression)
    uow.emit(SuppressionRemoved(suppression_id=suppression.id), subject=suppression.id, council=suppression.council)
    uow.audit("notifications.suppression.remove", suppression.id)


async def pending_delivery(uow: UnitOfWork, delivery_id: str) -> Delivery | None:
    """The delivery, locked, while it still waits to be sent; None once it was settled (or never was)."""
    delivery = await uow.session.get(Delivery, delivery_id, with_for_update=True)
    return delivery if delivery is not None and delivery.status == "pending" else None


async def suppress_delivery(uow: UnitOfWork, delivery_id: str) -> Delivery | None:
    """The address is on the suppression list: mark the delivery suppressed, send nothing, retry nothing."""
    delivery = await pending_delivery(uow, delivery_id)
    if delivery is None:
        return None
    delivery.suppress()
    uow.emit(
        DeliverySuppressed(
            delivery_id=delivery.id, subscription_id=delivery.subscription_id, event_id=delivery.event_id
        ),
        subject=delivery.id,
        council=delivery.council,
    )
    await uow.commit()
    return delivery


async def record_email_attempt(
    uow: UnitOfWork,
    delivery_id: str,
    result: AttemptResult,
    *,
    schedule: RetrySchedule,
    rand: random.Random | None = None,
) -> Delivery | None:
    """Store one SMTP attempt, its consequences (retry, give up, suppress an unknown user) and publish them."""
    delivery = await pending_delivery(uow, delivery_id)
    if delivery is None:
        return None
    attempt, consequence = delivery.record_email_attempt(result, now=now_utc(), schedule=schedule, rand=rand)
    uow.session.add(attempt)
    emit_attempt_outcome(
        uow,
        delivery,
        "email",
        succeeded=consequence.verdict == "succeeded",
        status_code=result.status_code,
        error=result.error or result.response_excerpt,
        next_attempt_at=consequence.next_attempt_at,
        exhausted=consequence.exhausted,
    )
    if consequence.suppress_address:
        email = await uow.session.get(Email, delivery.id)
        if email is not None:
            await add_suppression(uow, delivery.council, email.recipient, "user_unknown")
    await uow.commit()
    return delivery


def summaries_of(bodies: Sequence[bytes]) -> list[EventSummary]:
    return [EventSummary.of(decode_envelope(body)) for body in bodies]


# --- Partners' own queues ---------------------------------------------------------------


async def queue_credentials_rotated(uow: UnitOfWork, subscription: Subscription) -> None:
    uow.emit(
        QueueCredentialsRotated(subscription_id=subscription.id, partner_id=subscription.partner_id),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit("notifications.subscription.rotate_queue_credentials", subscription.id)
    await uow.commit()


async def queue_access_revoked(uow: UnitOfWork, subscription: Subscription) -> None:
    """The broker user and queue are gone: the subscription stops (deliveries waiting for it stay as they are)."""
    subscription.disable("revoked", now_utc())
    uow.emit(
        QueueAccessRevoked(subscription_id=subscription.id, partner_id=subscription.partner_id),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit("notifications.subscription.revoke_queue", subscription.id)
    await uow.commit()


async def record_publish_attempt(
    uow: UnitOfWork,
    delivery_id: str,
    result: AttemptResult,
    *,
    schedule: RetrySchedule,
    rand: random.Random | None = None,
) -> Delivery | None:
    """Store one publish to a partner's queue and its consequence (delivered, retry, give up) and publish them."""
    delivery = await pending_delivery(uow, delivery_id)
    if delivery is None:
        return None
    attempt, next_attempt_at = delivery.record_publish_attempt(result, now=now_utc(), schedule=schedule, rand=rand)
    uow.session.add(attempt)
    emit_attempt_outcome(
        uow,
        delivery,
        "amqp",
        succeeded=delivery.status == "succeeded",
        status_code=None,
        error=result.error,
        next_attempt_at=next_attempt_at,
        exhausted=delivery.status == "exhausted",
    )
    await uow.commit()
    return delivery


# --- Internal alerts -------------------------------------------------------------------

ALERTS = "notifications.alerts"
# The events someone must be emailed about, and what kind of alert each makes.
AlertEvent = MilestoneOverdue | MonitoringReportDue | MeetingsBehind
ALERT_KINDS: dict[str, AlertKind] = {
    MilestoneOverdue.event_type: "milestone_overdue",
    MonitoringReportDue.event_type: "report_due",
    MeetingsBehind.event_type: "cadence_behind",
}


async def note_alert(event: AlertEvent, meta: EventMeta, uow: UnitOfWork) -> None:
    """Remember that an event calls for an alert (the consumer commits); its recipients are found later,
    outside this transaction, since that may mean asking another service."""
    kind = ALERT_KINDS[event.event_type]
    envelope = meta.envelope
    await keep_event(uow, envelope)
    alert = Alert.of(envelope.id, kind, envelope.council, now_utc())
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
