"""Who may call what, and see which records, in the notifications API; and the channels' settings it reads.

Officers and admins manage every partner and subscription of their council; a
partner token (role ``partner``) sees and changes only the subscriptions and
deliveries of its own organisation (its ``org`` claim). Anything else looks
absent (404), never forbidden, so nothing hints at another party's records.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import tables
from services.notifications.domain import Delivery, Partner, Subscription
from services.notifications.settings import QueueSettings, WebhookSettings, channels_of
from shared.auth import Principal, require
from shared.problems import Problem
from shared.service import RuntimeDep

# An admin may do whatever an officer may.
Officer = Annotated[Principal, Depends(require("admin", "officer"))]
OfficerOrPartner = Annotated[Principal, Depends(require("admin", "officer", "partner"))]


async def webhook_settings(runtime: RuntimeDep) -> WebhookSettings:
    return channels_of(runtime).webhooks


async def queue_settings(runtime: RuntimeDep) -> QueueSettings:
    return channels_of(runtime).queues


Webhooks = Annotated[WebhookSettings, Depends(webhook_settings)]
Queues = Annotated[QueueSettings, Depends(queue_settings)]


def may_see(principal: Principal, partner: Partner) -> bool:
    if partner.council != principal.council:
        return False
    if principal.has_any("admin", "officer"):
        return True
    return "partner" in principal.roles and principal.organisation == partner.organisation


def own_partner_filter(principal: Principal) -> list[object]:
    """The partners a caller may see: its council's, and for a partner token only its own organisation."""
    conditions: list[object] = [tables.partners.c.council == principal.council]
    if not principal.has_any("admin", "officer"):
        conditions.append(tables.partners.c.organisation == principal.organisation)
    return conditions


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


async def queue_subscription(session: AsyncSession, principal: Principal, subscription_id: str) -> Subscription:
    """A visible, active queue subscription (locked): what credentials can be rotated or revoked on."""
    subscription = await visible_subscription(session, principal, subscription_id, for_update=True)
    subscription.check_queue_access_may_change()
    return subscription
