"""Subscriptions: creating one, its signing secret, switching it back on, replaying a range, its queue access."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, update

from services.notifications.domain import Subscription
from services.notifications.tables import deliveries
from shared import calendar
from shared.events.catalogue.notifications import (
    EndpointEnabled,
    QueueAccessGranted,
    QueueAccessRevoked,
    QueueCredentialsRotated,
    SubscriptionCreated,
    SubscriptionReplayRequested,
    SubscriptionSecretRotated,
)
from shared.unit_of_work import UnitOfWork


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
    now = calendar.now()
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


async def replay_range(uow: UnitOfWork, subscription: Subscription, start: datetime, end: datetime) -> int:
    """Deliver again every delivery of the subscription created in [start, end), with their own webhook-ids."""
    now = calendar.now()
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
    subscription.disable("revoked", calendar.now())
    uow.emit(
        QueueAccessRevoked(subscription_id=subscription.id, partner_id=subscription.partner_id),
        subject=subscription.id,
        council=subscription.council,
    )
    uow.audit("notifications.subscription.revoke_queue", subscription.id)
    await uow.commit()
