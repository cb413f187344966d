"""Commands and event handlers of the notifications service: one plain function each.

The unit of work arrives as an argument; each function changes state, emits
its event, writes its audit entry (for commands) and commits.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.notifications.domain import (
    AttemptResult,
    Delivery,
    EventFacts,
    Partner,
    RetrySchedule,
    Subscription,
)
from services.notifications.tables import deliveries, received_events, subscriptions
from shared.events import Envelope
from shared.events.catalogue.notifications import (
    DeliveryExhausted,
    DeliveryFailed,
    DeliveryResendRequested,
    DeliverySucceeded,
    EndpointDisabled,
    EndpointEnabled,
    PartnerRegistered,
    SubscriptionCreated,
    SubscriptionReplayRequested,
    SubscriptionSecretRotated,
)
from shared.unit_of_work import UnitOfWork

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


async def create_subscription(uow: UnitOfWork, subscription: Subscription) -> Subscription:
    uow.session.add(subscription)
    uow.emit(
        SubscriptionCreated(
            subscription_id=subscription.id,
            partner_id=subscription.partner_id,
            channel=subscription.channel,
            event_types=list(subscription.event_types),
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
            deliveries.c.created_at >= start,
            deliveries.c.created_at < end,
        )
        .values(status="pending", round_attempts=0, next_attempt_at=now)
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


async def fan_out(envelope: Envelope, uow: UnitOfWork) -> None:
    """Record one delivery for every active subscription the event matches (the consumer commits)."""
    if envelope.type.startswith("notifications."):
        return  # our own events never fan out: a failed delivery must not cause another delivery
    candidates = (
        await uow.session.scalars(
            select(Subscription).where(
                subscriptions.c.council == envelope.council,
                subscriptions.c.status == "active",
            )
        )
    ).all()
    facts = EventFacts(type=envelope.type, council=envelope.council, data=envelope.data)
    matched = [s for s in candidates if s.matches(facts)]
    if not matched:
        return
    await uow.session.execute(
        pg_insert(received_events)
        .values(
            event_id=envelope.id,
            event_type=envelope.type,
            council=envelope.council,
            traceparent=envelope.traceparent,
            body=body_of(envelope),
        )
        .on_conflict_do_nothing()
    )
    now = now_utc()
    rows = [Delivery.of(s, envelope.id, envelope.type, now) for s in matched]
    await uow.session.execute(
        pg_insert(deliveries)
        .values(
            [
                {
                    "id": d.id,
                    "subscription_id": d.subscription_id,
                    "event_id": d.event_id,
                    "event_type": d.event_type,
                    "council": d.council,
                    "status": d.status,
                    "attempts": 0,
                    "round_attempts": 0,
                    "next_attempt_at": d.next_attempt_at,
                    "created_at": d.created_at,
                }
                for d in rows
            ]
        )
        .on_conflict_do_nothing()
    )


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
) -> Delivery | None:
    """Store one attempt and its consequences (retry, give up, disable the endpoint) and publish them."""
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
    ids = {"delivery_id": delivery.id, "subscription_id": delivery.subscription_id, "event_id": delivery.event_id}
    if consequence.verdict == "succeeded":
        uow.emit(
            DeliverySucceeded(**ids, channel="webhook", attempts=delivery.attempts),
            subject=delivery.id,
            council=delivery.council,
        )
    else:
        uow.emit(
            DeliveryFailed(
                **ids,
                channel="webhook",
                attempt=delivery.attempts,
                status_code=result.status_code,
                error=(result.error or "")[:200] or None,
                next_attempt_at=consequence.next_attempt_at,
            ),
            subject=delivery.id,
            council=delivery.council,
        )
    if consequence.exhausted:
        uow.emit(
            DeliveryExhausted(**ids, channel="webhook", attempts=delivery.attempts),
            subject=delivery.id,
            council=delivery.council,
        )
    if consequence.endpoint_disabled:
        assert subscription.disabled_at is not None
        uow.emit(
            EndpointDisabled(
                subscription_id=subscription.id,
                partner_id=subscription.partner_id,
                reason=consequence.endpoint_disabled,
                disabled_at=subscription.disabled_at,
                failing_since=subscription.failing_since,
            ),
            subject=subscription.id,
            council=subscription.council,
        )
        uow.audit("notifications.subscription.disable", subscription.id, reason=consequence.endpoint_disabled)
    await uow.commit()
    return delivery
