"""``/v1/deliveries``: one delivery with its attempt log, and sending it again."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from services.notifications import tables
from services.notifications.api.access import OfficerOrPartner, visible_delivery
from services.notifications.api.schemas import AttemptOut, DeliveryOut, DeliveryWithAttemptsOut
from services.notifications.domain import DeliveryAttempt
from services.notifications.handlers import resend_delivery
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("/{delivery_id}", summary="One delivery with its attempt log")
async def get_delivery(delivery_id: str, runtime: RuntimeDep, principal: OfficerOrPartner) -> DeliveryWithAttemptsOut:
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


@router.post("/{delivery_id}:resend", summary="Send a delivery again (same webhook-id)")
async def post_resend(delivery_id: str, runtime: RuntimeDep, principal: OfficerOrPartner) -> DeliveryOut:
    async with runtime.uow(principal.actor) as uow:
        delivery = await visible_delivery(uow.session, principal, delivery_id, for_update=True)
        await resend_delivery(uow, delivery)
    return DeliveryOut.of(delivery)
