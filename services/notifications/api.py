"""The notifications HTTP API: ``/v1/partners``, ``/v1/subscriptions``, ``/v1/deliveries``, ``/v1/suppressions``.

Officers and admins manage every partner and subscription of their council; a
partner token (role ``partner``) sees and changes only the subscriptions and
deliveries of its own organisation (its ``org`` claim). Anything else looks
absent (404), never forbidden, so nothing hints at another party's records.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import aio_pika
import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, Query, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import partner_queues, tables
from services.notifications.domain import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    EmailMode,
    IllegalState,
    Partner,
    Subscription,
    Suppression,
    email_address_problem,
    email_subscription_problem,
    new_secret,
    valid_topic_pattern,
)
from services.notifications.egress import endpoint_url_problem
from services.notifications.handlers import (
    add_suppression,
    create_subscription,
    enable_subscription,
    now_utc,
    queue_access_revoked,
    queue_credentials_rotated,
    register_partner,
    remove_suppression,
    replay_range,
    resend_delivery,
    rotate_secret,
)
from services.notifications.partner_queues import QueueAccess
from services.notifications.settings import QueueSettings, WebhookSettings
from shared.auth import Principal, require
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.problems import Problem
from shared.service import RuntimeDep

GSS_PATTERN = r"^[EWSN][0-9]{8}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

Managers = Annotated[Principal, Depends(require("admin", "officer"))]
Readers = Annotated[Principal, Depends(require("admin", "officer", "partner"))]


# --- Schemas -------------------------------------------------------------------------


class PartnerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["South Yorkshire Police"])
    organisation: str = Field(
        min_length=1,
        max_length=200,
        description="The identifier its tokens carry in the `org` claim.",
        examples=["syp"],
    )
    contact_email: str = Field(pattern=EMAIL_PATTERN, max_length=320)


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    council: str
    name: str
    organisation: str
    contact_email: str
    created_at: AwareDatetime


class SubscriptionIn(BaseModel):
    partner_id: str | None = Field(default=None, description="Defaults to the caller's own partner organisation.")
    channel: Literal["webhook", "email", "amqp"] = Field(
        default="webhook",
        description="webhook: POSTed to `url`; email: sent to `email`; amqp: your own queue and a broker user "
        "that can only read it (its password is shown once, in the answer).",
    )
    url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="webhook: the endpoint each event is POSTed to.",
        examples=["https://partner.example/hooks/cohesion"],
    )
    email: str | None = Field(
        default=None,
        max_length=254,
        description="email: the address emails go to.",
        examples=["alerts@partner.example"],
    )
    mode: EmailMode | None = Field(
        default=None, description="email: one email per event (immediate), or a daily or weekly digest."
    )
    digest_time: str | None = Field(
        default=None, description="email digests: when it is sent, HH:MM, Europe/London.", examples=["08:00"]
    )
    digest_weekday: str | None = Field(
        default=None, description="weekly digests: the day it is sent.", examples=["monday"]
    )
    event_types: list[str] = Field(
        min_length=1, max_length=50, description="RabbitMQ topic patterns.", examples=[["grants.#"]]
    )
    wards: list[Annotated[str, Field(pattern=GSS_PATTERN)]] = Field(default_factory=list, max_length=200)
    themes: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _patterns(self) -> SubscriptionIn:
        bad = [p for p in self.event_types if not valid_topic_pattern(p)]
        if bad:
            raise ValueError(f"not topic patterns (words, '*' or '#' between dots): {', '.join(bad)}")
        return self

    @model_validator(mode="after")
    def _channel(self) -> SubscriptionIn:
        email_fields = {"email": self.email, "mode": self.mode, "digest_time": self.digest_time}
        if self.channel == "webhook":
            if not self.url:
                raise ValueError("a webhook subscription needs url")
            given = [name for name, value in {**email_fields, "digest_weekday": self.digest_weekday}.items() if value]
            if given:
                raise ValueError(f"a webhook subscription has no {', '.join(given)}")
            return self
        if self.channel == "amqp":
            given = [name for name, value in {"url": self.url, **email_fields}.items() if value]
            if given or self.digest_weekday:
                raise ValueError(f"a queue subscription has no {', '.join(given or ['digest_weekday'])}")
            return self
        if self.url:
            raise ValueError("an email subscription has no url")
        if not self.email:
            raise ValueError("an email subscription needs email")
        problem = email_address_problem(self.email) or email_subscription_problem(
            self.mode, self.digest_time, self.digest_weekday
        )
        if problem:
            raise ValueError(problem)
        return self


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    partner_id: str
    council: str
    channel: str
    url: str | None
    email: str | None
    mode: str | None
    digest_time: str | None
    digest_weekday: str | None
    event_types: list[str]
    wards: list[str]
    themes: list[str]
    status: str
    created_at: AwareDatetime
    failing_since: AwareDatetime | None
    disabled_at: AwareDatetime | None
    disabled_reason: str | None
    previous_secret_expires_at: AwareDatetime | None


class QueueAccessOut(BaseModel):
    """How a partner reads its own queue; the password is shown only now and never stored by Cohesion."""

    url: str = Field(description="The broker to connect to (AMQP 0-9-1), without credentials.")
    vhost: str
    queue: str
    username: str
    password: str


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str | None = Field(description="webhook: the signing secret; shown only now.")
    queue_access: QueueAccessOut | None = Field(default=None, description="amqp: your queue and its credentials.")

    @classmethod
    def of(cls, subscription: Subscription, access: QueueAccess | None = None) -> SubscriptionCreatedOut:
        out = cls.model_validate(subscription)
        return out.model_copy(
            update={
                "secret": out.secret if subscription.channel == "webhook" else None,
                "queue_access": QueueAccessOut(**vars(access)) if access else None,
            }
        )


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret; shown only now.")
    previous_secret_expires_at: AwareDatetime = Field(
        description="Until then every delivery is signed with both the old and the new secret."
    )


class ReplayIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> ReplayIn:
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from'")
        return self


class ReplayOut(BaseModel):
    subscription_id: str
    deliveries: int


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: AwareDatetime
    latency_ms: int
    status_code: int | None
    response_excerpt: str | None
    error: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="Also the `webhook-id` header of every attempt (webhooks).")
    subscription_id: str | None = Field(description="Empty for the service's own emails (alerts).")
    event_id: str | None = Field(description="Empty for a digest, which carries many events.")
    event_type: str
    channel: str
    kind: str = Field(description="event, digest, or one of the service's own emails (endpoint_disabled, alerts).")
    status: str
    attempts: int
    next_attempt_at: AwareDatetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: AwareDatetime
    succeeded_at: AwareDatetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        out = cls.model_validate(delivery)
        return out if delivery.status == "pending" else out.model_copy(update={"next_attempt_at": None})


class DeliveryWithAttemptsOut(DeliveryOut):
    attempt_log: list[AttemptOut]


class SuppressionIn(BaseModel):
    address: str = Field(max_length=254, examples=["no-more-email@partner.example"])


class SuppressionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    address: str
    reason: str = Field(description="requested, or user_unknown (the mail server said the mailbox does not exist)")
    created_at: AwareDatetime


# --- Who may see what ----------------------------------------------------------------


def may_see(principal: Principal, partner: Partner) -> bool:
    if partner.council != principal.council:
        return False
    if principal.has_any("admin", "officer"):
        return True
    return "partner" in principal.roles and principal.organisation == partner.organisation


async def visible_partner(session: AsyncSession, principal: Principal, partner_id: str) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None or not may_see(principal, partner):
        raise Problem(404, "Partner not found", f"No partner {partner_id} for you in council {principal.council}.")
    return partner


async def visible_subscription(
    session: AsyncSession, principal: Principal, subscription_id: str, *, for_update: bool = False
) -> Subscription:
    subscription = await session.get(Subscription, subscription_id, with_for_update=for_update)
    partner = await session.get(Partner, subscription.partner_id) if subscription else None
    if subscription is None or partner is None or not may_see(principal, partner):
        raise Problem(
            404, "Subscription not found", f"No subscription {subscription_id} for you in council {principal.council}."
        )
    return subscription


async def visible_delivery(
    session: AsyncSession, principal: Principal, delivery_id: str, *, for_update: bool = False
) -> Delivery:
    delivery = await session.get(Delivery, delivery_id, with_for_update=for_update)
    if delivery is None or delivery.council != principal.council:
        raise Problem(404, "Delivery not found", f"No delivery {delivery_id} for you in council {principal.council}.")
    try:
        # An email of our own that no subscription asked for (an alert) is seen by its partner, if any,
        # and by the council's officers.
        if delivery.subscription_id is not None:
            await visible_subscription(session, principal, delivery.subscription_id)
        elif delivery.partner_id is not None:
            await visible_partner(session, principal, delivery.partner_id)
        elif not principal.has_any("admin", "officer"):
            raise Problem(404, "Delivery not found")
    except Problem:
        raise Problem(
            404, "Delivery not found", f"No delivery {delivery_id} for you in council {principal.council}."
        ) from None
    return delivery


def _own_partner_filter(principal: Principal) -> list[object]:
    conditions: list[object] = [tables.partners.c.council == principal.council]
    if not principal.has_any("admin", "officer"):
        conditions.append(tables.partners.c.organisation == principal.organisation)
    return conditions


async def queue_subscription(session: AsyncSession, principal: Principal, subscription_id: str) -> Subscription:
    """A visible, active queue subscription (locked): what credentials can be rotated or revoked on."""
    subscription = await visible_subscription(session, principal, subscription_id, for_update=True)
    if subscription.channel != "amqp":
        raise Problem(409, "Not a queue subscription", f"Subscription {subscription_id} is a {subscription.channel}.")
    if subscription.status != "active":
        raise Problem(
            409,
            "Subscription disabled",
            f"Subscription {subscription_id} is disabled ({subscription.disabled_reason}).",
            current_state=subscription.status,
        )
    return subscription


def _illegal(exc: IllegalState) -> Problem:
    return Problem(409, "Illegal state", str(exc), current_state=exc.current)


# --- Routes --------------------------------------------------------------------------


def routers(config: WebhookSettings, queues: QueueSettings) -> list[APIRouter]:
    partners = APIRouter(prefix="/v1/partners", tags=["partners"])
    subscriptions = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
    deliveries = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])
    suppressions = APIRouter(prefix="/v1/suppressions", tags=["suppressions"])

    @partners.post("", status_code=status.HTTP_201_CREATED, summary="Register a partner organisation")
    async def post_partner(body: PartnerIn, runtime: RuntimeDep, principal: Managers) -> PartnerOut:
        async with runtime.uow(principal.actor) as uow:
            clash = await uow.session.scalar(
                select(Partner).where(
                    tables.partners.c.council == principal.council,
                    tables.partners.c.organisation == body.organisation,
                )
            )
            if clash is not None:
                raise Problem(
                    409, "Partner exists", f"Organisation {body.organisation!r} is already partner {clash.id}."
                )
            partner = Partner(
                id=str(uuid.uuid4()), council=principal.council, created_at=now_utc(), **body.model_dump()
            )
            await register_partner(uow, partner)
        return PartnerOut.model_validate(partner)

    @partners.get("", summary="Partners you may see")
    async def list_partners(
        runtime: RuntimeDep, principal: Readers, page: Annotated[PageParams, Depends(page_params)]
    ) -> Page[PartnerOut]:
        async with runtime.sessions() as session:
            query = select(Partner).where(*_own_partner_filter(principal))  # type: ignore[arg-type]
            rows = await fetch_page(session, query.order_by(tables.partners.c.name, tables.partners.c.id), page)
        return make_page([PartnerOut.model_validate(p) for p in rows], page)

    @partners.get("/{partner_id}", summary="One partner")
    async def get_partner(partner_id: str, runtime: RuntimeDep, principal: Readers) -> PartnerOut:
        async with runtime.sessions() as session:
            return PartnerOut.model_validate(await visible_partner(session, principal, partner_id))

    @subscriptions.post(
        "", status_code=status.HTTP_201_CREATED, summary="Subscribe a webhook or an email address to events"
    )
    async def post_subscription(
        body: SubscriptionIn, runtime: RuntimeDep, principal: Readers
    ) -> SubscriptionCreatedOut:
        if body.url is not None:
            problem = endpoint_url_problem(
                body.url, production=runtime.settings.environment == "production", allowed_hosts=config.allowed_hosts
            )
            if problem:
                raise Problem(422, "Endpoint not allowed", problem, field="url")
        subscription_id = str(uuid.uuid4())
        async with runtime.uow(principal.actor) as uow:
            if body.partner_id is not None:
                partner = await visible_partner(uow.session, principal, body.partner_id)
            else:
                # A partner's own organisation is implied; an officer must say which partner.
                own = None
                if not principal.has_any("admin", "officer"):
                    own = await uow.session.scalar(select(Partner).where(*_own_partner_filter(principal)))  # type: ignore[arg-type]
                if own is None:
                    raise Problem(422, "Partner required", "Name the partner_id this subscription belongs to.")
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
                created_at=now_utc(),
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

    @subscriptions.get("", summary="Subscriptions you may see")
    async def list_subscriptions(
        runtime: RuntimeDep,
        principal: Readers,
        page: Annotated[PageParams, Depends(page_params)],
        partner_id: Annotated[str | None, Query()] = None,
    ) -> Page[SubscriptionOut]:
        query = (
            select(Subscription)
            .join(Partner, tables.partners.c.id == tables.subscriptions.c.partner_id)
            .where(*_own_partner_filter(principal))  # type: ignore[arg-type]
        )
        if partner_id:
            query = query.where(tables.subscriptions.c.partner_id == partner_id)
        async with runtime.sessions() as session:
            rows = await fetch_page(
                session, query.order_by(tables.subscriptions.c.created_at, tables.subscriptions.c.id), page
            )
        return make_page([SubscriptionOut.model_validate(s) for s in rows], page)

    @subscriptions.get("/{subscription_id}", summary="One subscription")
    async def get_subscription(subscription_id: str, runtime: RuntimeDep, principal: Readers) -> SubscriptionOut:
        async with runtime.sessions() as session:
            return SubscriptionOut.model_validate(await visible_subscription(session, principal, subscription_id))

    @subscriptions.post("/{subscription_id}/secret:rotate", summary="Issue a new signing secret")
    async def post_rotate(subscription_id: str, runtime: RuntimeDep, principal: Readers) -> SecretOut:
        async with runtime.uow(principal.actor) as uow:
            subscription = await visible_subscription(uow.session, principal, subscription_id, for_update=True)
            secret = await rotate_secret(uow, subscription, config.secret_grace)
        assert subscription.previous_secret_expires_at is not None
        return SecretOut(secret=secret, previous_secret_expires_at=subscription.previous_secret_expires_at)

    @subscriptions.post(
        "/{subscription_id}/queue-credentials:rotate",
        summary="A new password for the queue's user; the old one and its connections stop at once",
    )
    async def post_rotate_queue_credentials(
        subscription_id: str, runtime: RuntimeDep, principal: Readers, background: BackgroundTasks
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

    @subscriptions.post(
        "/{subscription_id}/queue-credentials:revoke",
        summary="Take the queue away: its user, its connections and the queue itself",
    )
    async def post_revoke_queue(
        subscription_id: str, runtime: RuntimeDep, principal: Readers, background: BackgroundTasks
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

    @subscriptions.post("/{subscription_id}:enable", summary="Switch a disabled endpoint back on")
    async def post_enable(subscription_id: str, runtime: RuntimeDep, principal: Readers) -> SubscriptionOut:
        async with runtime.uow(principal.actor) as uow:
            subscription = await visible_subscription(uow.session, principal, subscription_id, for_update=True)
            try:
                await enable_subscription(uow, subscription)
            except IllegalState as exc:
                raise _illegal(exc) from exc
        return SubscriptionOut.model_validate(subscription)

    @subscriptions.post("/{subscription_id}:replay", summary="Deliver again everything created in a time range")
    async def post_replay(subscription_id: str, body: ReplayIn, runtime: RuntimeDep, principal: Readers) -> ReplayOut:
        async with runtime.uow(principal.actor) as uow:
            subscription = await visible_subscription(uow.session, principal, subscription_id, for_update=True)
            count = await replay_range(uow, subscription, body.start, body.end)
        return ReplayOut(subscription_id=subscription_id, deliveries=count)

    @subscriptions.get("/{subscription_id}/deliveries", summary="Deliveries of one subscription, newest first")
    async def list_deliveries(
        subscription_id: str,
        runtime: RuntimeDep,
        principal: Readers,
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

    @deliveries.get("/{delivery_id}", summary="One delivery with its attempt log")
    async def get_delivery(delivery_id: str, runtime: RuntimeDep, principal: Readers) -> DeliveryWithAttemptsOut:
        async with runtime.sessions() as session:
            delivery = await visible_delivery(session, principal, delivery_id)
            attempts = (
                await session.scalars(
                    select(DeliveryAttempt)
                    .where(tables.delivery_attempts.c.delivery_id == delivery_id)
                    .order_by(tables.delivery_attempts.c.number)
                )
            ).all()
        return DeliveryWithAttemptsOut(
            **DeliveryOut.of(delivery).model_dump(), attempt_log=[AttemptOut.model_validate(a) for a in attempts]
        )

    @deliveries.post("/{delivery_id}:resend", summary="Send a delivery again (same webhook-id)")
    async def post_resend(delivery_id: str, runtime: RuntimeDep, principal: Readers) -> DeliveryOut:
        async with runtime.uow(principal.actor) as uow:
            delivery = await visible_delivery(uow.session, principal, delivery_id, for_update=True)
            await resend_delivery(uow, delivery)
        return DeliveryOut.of(delivery)

    @suppressions.get("", summary="The council's suppression list: addresses never emailed")
    async def list_suppressions(
        runtime: RuntimeDep, principal: Managers, page: Annotated[PageParams, Depends(page_params)]
    ) -> Page[SuppressionOut]:
        async with runtime.sessions() as session:
            rows = await fetch_page(
                session,
                select(Suppression)
                .where(tables.suppressions.c.council == principal.council)
                .order_by(tables.suppressions.c.address),
                page,
            )
        return make_page([SuppressionOut.model_validate(r) for r in rows], page)

    @suppressions.post("", status_code=status.HTTP_201_CREATED, summary="Never email an address again")
    async def post_suppression(body: SuppressionIn, runtime: RuntimeDep, principal: Managers) -> SuppressionOut:
        problem = email_address_problem(body.address.strip())
        if problem:
            raise Problem(422, "Invalid email address", problem, field="address")
        async with runtime.uow(principal.actor) as uow:
            suppression = await add_suppression(uow, principal.council, body.address, "requested")
            await uow.commit()
        return SuppressionOut.model_validate(suppression)

    @suppressions.delete("/{suppression_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Email an address again")
    async def delete_suppression(suppression_id: str, runtime: RuntimeDep, principal: Managers) -> None:
        async with runtime.uow(principal.actor) as uow:
            suppression = await uow.session.get(Suppression, suppression_id, with_for_update=True)
            if suppression is None or suppression.council != principal.council:
                raise Problem(404, "Suppression not found", f"No suppression {suppression_id} in {principal.council}.")
            await remove_suppression(uow, suppression)
            await uow.commit()

    return [partners, subscriptions, deliveries, suppressions]
