"""``/v1/subscriptions``: subscribing a webhook, an email address or a partner's own queue to events,
and what follows: rotating its secret or queue credentials, switching it back on, replaying a range,
listing its deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated

import aio_pika
import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, Query, status
from sqlalchemy import select

from services.notifications import partner_queues, tables
from services.notifications.api.access import (
    OfficerOrPartner,
    Queues,
    Webhooks,
    own_partner_filter,
    queue_subscription,
    visible_partner,
    visible_subscription,
)
from services.notifications.api.schemas import (
    DeliveryOut,
    QueueAccessOut,
    ReplayIn,
    ReplayOut,
    SecretOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionOut,
)
from services.notifications.domain import (
    Delivery,
    DeliveryStatus,
    EndpointNotAllowed,
    Partner,
    PartnerRequired,
    Subscription,
    new_secret,
)
from services.notifications.egress import endpoint_url_problem
from services.notifications.handlers import (
    create_subscription,
    enable_subscription,
    queue_access_revoked,
    queue_credentials_rotated,
    replay_range,
    rotate_secret,
)
from shared import calendar
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Subscribe a webhook or an email address to events")
async def post_subscription(
    body: SubscriptionIn, runtime: RuntimeDep, principal: OfficerOrPartner, webhooks: Webhooks, queues: Queues
) -> SubscriptionCreatedOut:
    if body.url is not None:
        problem = endpoint_url_problem(
            body.url, production=runtime.settings.environment == "production", allowed_hosts=webhooks.allowed_hosts
        )
        if problem:
            raise EndpointNotAllowed(problem)
    subscription_id = str(uuid.uuid4())
    async with runtime.uow(principal.actor) as uow:
        if body.partner_id is not None:
            partner = await visible_partner(uow.session, principal, body.partner_id)
        else:
            # A partner's own organisation is implied; an officer must say which partner.
            own = None
            if not principal.has_any("admin", "officer"):
                own = await uow.session.scalar(select(Partner).where(*own_partner_filter(principal)))  # type: ignore[arg-type]
            if own is None:
                raise PartnerRequired()
            partner = own
        subscription = Subscription(
            id=subscription_id,
            partner_id=partner.id,
            council=partner.council,
            channel=body.channel,
            url=body.url,
            email=body.email.strip() if body.email else None,
            mode=body.mode,
            digest_time=body.digest_time,
            digest_weekday=body.digest_weekday,
            event_types=list(dict.fromkeys(body.event_types)),
            wards=list(dict.fromkeys(body.wards)),
            themes=list(dict.fromkeys(body.themes)),
            secret=new_secret(),
            created_at=calendar.now(),
        )
        access = None
        if subscription.channel == "amqp":
            # The broker first: if it cannot be reached, nothing is stored and the caller may retry.
            try:
                access = await partner_queues.provision(runtime.settings, queues, subscription)
            except (OSError, aio_pika.exceptions.AMQPError, httpx.HTTPError) as exc:
                raise Problem(503, "Broker unavailable", f"The queue could not be set up: {exc}") from exc
        await create_subscription(
            uow,
            subscription,
            queue=access.queue if access else None,
            user=access.username if access else None,
        )
    return SubscriptionCreatedOut.of(subscription, access)


@router.get("", summary="Subscriptions you may see")
async def list_subscriptions(
    runtime: RuntimeDep,
    principal: OfficerOrPartner,
    page: Annotated[PageParams, Depends(page_params)],
    partner_id: Annotated[str | None, Query()] = None,
) -> Page[SubscriptionOut]:
    query = (
        select(Subscription)
        .join(Partner, tables.partners.c.id == tables.subscriptions.c.partner_id)
        .where(*own_partner_filter(principal))  # type: ignore[arg-type]
    )
    if partner_id:
        query = query.where(tables.subscriptions.c.partner_id == partner_id)
    async with runtime.sessions() as session:
        rows = await fetch_page(
            session, query.order_by(tables.subscriptions.c.created_at, tables.subscriptions.c.id), page
        )
    return make_page([SubscriptionOut.model_validate(s) for s in rows], page)


@router.get("/{subscription_id}", summary="One subscription")
async def get_subscription(subscription_id: str, runtime: RuntimeDep, principal: OfficerOrPartner) -> SubscriptionOut:
    async with runtime.sessions() as session:
        return SubscriptionOut.model_validate(await visible_subscription(session, principal, subscription_id))


@router.post("/{subscription_id}/secret:rotate", summary="Issue a new signing secret")
async def post_rotate(
    subscription_id: str, runtime: RuntimeDep, principal: OfficerOrPartner, webhooks: Webhooks
) -> SecretOut:
    async with runtime.uow(principal.actor) as uow:
        subscription = await visible_subscription(uow.session, principal, subscription_id, for_update=True)
        secret = await rotate_secret(uow, subscription, webhooks.secret_grace)
    assert subscription.previous_secret_expires_at is not None
    return SecretOut(secret=secret, previous_secret_expires_at=subscription.previous_secret_expires_at)


@router.post(
    "/{subscription_id}/queue-credentials:rotate",
    summary="A new password for the queue's user; the old one and its connections stop at once",
)
async def post_rotate_queue_credentials(
    subscription_id: str,
    runtime: RuntimeDep,
    principal: OfficerOrPartner,
    queues: Queues,
    background: BackgroundTasks,
) -> QueueAccessOut:
    async with runtime.uow(principal.actor) as uow:
        subscription = await queue_subscription(uow.session, principal, subscription_id)
        try:
            access = await partner_queues.rotate_password(runtime.settings, queues, subscription)
        except httpx.HTTPError as exc:
            raise Problem(503, "Broker unavailable", f"The password could not be changed: {exc}") from exc
        await queue_credentials_rotated(uow, subscription)
    background.add_task(
        partner_queues.close_sessions,
        runtime.settings,
        access.username,
        "Cohesion: queue credentials rotated",
        again_after=partner_queues.STATISTICS_INTERVAL_SECONDS,
    )
    return QueueAccessOut(**vars(access))


@router.post(
    "/{subscription_id}/queue-credentials:revoke",
    summary="Take the queue away: its user, its connections and the queue itself",
)
async def post_revoke_queue(
    subscription_id: str, runtime: RuntimeDep, principal: OfficerOrPartner, background: BackgroundTasks
) -> SubscriptionOut:
    async with runtime.uow(principal.actor) as uow:
        subscription = await queue_subscription(uow.session, principal, subscription_id)
        try:
            await partner_queues.revoke(runtime.settings, subscription)
        except (OSError, aio_pika.exceptions.AMQPError, httpx.HTTPError) as exc:
            raise Problem(503, "Broker unavailable", f"Access could not be revoked: {exc}") from exc
        await queue_access_revoked(uow, subscription)
    background.add_task(
        partner_queues.close_sessions,
        runtime.settings,
        partner_queues.username(subscription.id),
        "Cohesion: queue access revoked",
        again_after=partner_queues.STATISTICS_INTERVAL_SECONDS,
    )
    return SubscriptionOut.model_validate(subscription)


@router.post("/{subscription_id}:enable", summary="Switch a disabled endpoint back on")
async def post_enable(subscription_id: str, runtime: RuntimeDep, principal: OfficerOrPartner) -> SubscriptionOut:
    async with runtime.uow(principal.actor) as uow:
        subscription = await visible_subscription(uow.session, principal, subscription_id, for_update=True)
        await enable_subscription(uow, subscription)
    return SubscriptionOut.model_validate(subscription)


@router.post("/{subscription_id}:replay", summary="Deliver again everything created in a time range")
async def post_replay(
    subscription_id: str, body: ReplayIn, runtime: RuntimeDep, principal: OfficerOrPartner
) -> ReplayOut:
    async with runtime.uow(principal.actor) as uow:
        subscription = await visible_subscription(uow.session, principal, subscription_id, for_update=True)
        count = await replay_range(uow, subscription, body.start, body.end)
    return ReplayOut(subscription_id=subscription_id, deliveries=count)


@router.get("/{subscription_id}/deliveries", summary="Deliveries of one subscription, newest first")
async def list_deliveries(
    subscription_id: str,
    runtime: RuntimeDep,
    principal: OfficerOrPartner,
    page: Annotated[PageParams, Depends(page_params)],
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> Page[DeliveryOut]:
    async with runtime.sessions() as session:
        await visible_subscription(session, principal, subscription_id)
        query = select(Delivery).where(tables.deliveries.c.subscription_id == subscription_id)
        if status:
            query = query.where(tables.deliveries.c.status == status)
        rows = await fetch_page(
            session, query.order_by(tables.deliveries.c.created_at.desc(), tables.deliveries.c.id), page
        )
    return make_page([DeliveryOut.of(d) for d in rows], page)
