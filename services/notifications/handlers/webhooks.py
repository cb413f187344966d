"""Webhook deliveries: recording each attempt (one, or a batch from the worker's hot path) and its consequences."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, text, update

from services.notifications.domain import (
    AttemptConsequence,
    AttemptResult,
    Delivery,
    DeliveryAttempt,
    DisableReason,
    RetrySchedule,
    Subscription,
)
from services.notifications.handlers.deliveries import emit_attempt_outcome
from services.notifications.handlers.emails import queue_endpoint_disabled_notice
from services.notifications.messages import Links
from services.notifications.tables import deliveries, subscriptions
from shared import calendar
from shared.events.catalogue.notifications import EndpointDisabled
from shared.unit_of_work import UnitOfWork


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
    now = calendar.now()
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
    now = calendar.now()
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
        traceparent=result.traceparent,
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
