"""Emails of our own: notices, alerts and digests, each written once so every attempt sends the same message."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.notifications.domain import (
    Delivery,
    DigestPeriod,
    Email,
    Partner,
    Subscription,
    digest_message_id,
    normalised_address,
    notice_message_id,
)
from services.notifications.handlers.deliveries import keep_event
from services.notifications.messages import EventSummary, Links, digest_email, endpoint_disabled_email
from services.notifications.tables import deliveries, email_messages, received_events
from shared import calendar
from shared.events import Envelope, decode_envelope
from shared.events.catalogue.notifications import EmailQueued
from shared.unit_of_work import UnitOfWork


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
        now=calendar.now(),
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
        now=calendar.now(),
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
        now=calendar.now(),
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
