"""Deliveries on any channel: resending one, and recording what each attempt came to."""

from __future__ import annotations

import random
from datetime import datetime

from services.notifications.domain import AttemptResult, Channel, Delivery, Email, RetrySchedule
from services.notifications.handlers.suppressions import add_suppression
from shared import calendar
from shared.events import Envelope
from shared.events.catalogue.notifications import (
    DeliveryExhausted,
    DeliveryFailed,
    DeliveryResendRequested,
    DeliverySucceeded,
    DeliverySuppressed,
)
from shared.metrics import DELIVERIES
from shared.unit_of_work import UnitOfWork

_KEEP_EVENT = (
    "INSERT INTO received_events (event_id, event_type, council, traceparent, body)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
)


def body_of(envelope: Envelope) -> bytes:
    """The structured CloudEvent to send: the bytes as they came off the queue, or written anew by the SDK."""
    return envelope.raw if envelope.raw is not None else envelope.to_json_bytes()


async def keep_event(uow: UnitOfWork, envelope: Envelope) -> None:
    """Keep the event a delivery is about (its exact bytes, to send or to name it in an email); once."""
    db = await uow.driver()
    await db.execute(_KEEP_EVENT, envelope.id, envelope.type, envelope.council, envelope.traceparent, body_of(envelope))


async def resend_delivery(uow: UnitOfWork, delivery: Delivery) -> Delivery:
    delivery.resend(calendar.now())
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
    attempt, consequence = delivery.record_email_attempt(result, now=calendar.now(), schedule=schedule, rand=rand)
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
        traceparent=result.traceparent,
    )
    if consequence.suppress_address:
        email = await uow.session.get(Email, delivery.id)
        if email is not None:
            await add_suppression(uow, delivery.council, email.recipient, "user_unknown")
    await uow.commit()
    return delivery


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
    attempt, next_attempt_at = delivery.record_publish_attempt(result, now=calendar.now(), schedule=schedule, rand=rand)
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
        traceparent=result.traceparent,
    )
    await uow.commit()
    return delivery


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
    traceparent: str | None = None,
) -> None:
    """The events of one attempt, on any channel: succeeded, or failed (and exhausted when it gave up);
    counted in the metrics once they are committed. They continue the attempt's trace (``traceparent``:
    its span had ended by the time it was recorded), and so the trace of the event it delivered."""
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
            traceparent=traceparent,
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
        traceparent=traceparent,
    )
    if exhausted:
        uow.emit(
            DeliveryExhausted(**ids, channel=channel, attempts=delivery.attempts),
            subject=delivery.id,
            council=delivery.council,
            traceparent=traceparent,
        )
