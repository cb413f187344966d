"""What the wards service listens to: grants' awards, so that each ward's place profile shows the grants
awarded in it, kept current as they are paid, cut short or withdrawn."""

from __future__ import annotations

from services.wards.domain import WardGrant
from services.wards.handlers import grant_awarded, grant_changed
from shared.calendar import today_in_london
from shared.events import EventMeta
from shared.events.catalogue.grants import (
    ApplicationApproved,
    ApplicationPaid,
    ApplicationWithdrawn,
    RemainingTranchesCancelled,
)
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork

GrantEvent = ApplicationApproved | ApplicationPaid | RemainingTranchesCancelled | ApplicationWithdrawn


async def keep_ward_grants(event: GrantEvent, meta: EventMeta, uow: UnitOfWork) -> None:
    """One row per grant and ward it benefits; the runtime commits it with the inbox record, so a
    redelivered event changes nothing twice."""
    council = meta.council
    if not council:
        return
    match event:
        case ApplicationApproved():
            for gss_code in dict.fromkeys(event.ward_codes):
                await grant_awarded(
                    uow.session,
                    WardGrant(
                        application_id=event.application_id,
                        gss_code=gss_code,
                        council=council,
                        fund_id=event.fund_id,
                        amount_awarded_pence=event.amount_awarded_pence,
                        awarded_on=today_in_london(event.decided_at),
                        title=event.title,
                        recipient_name=event.recipient_organisation_name,
                        theme=event.theme,
                    ),
                )
        case ApplicationPaid():
            await grant_changed(
                uow.session, council, event.application_id, status="paid", amount_paid_pence=event.amount_paid_pence
            )
        case RemainingTranchesCancelled():
            await grant_changed(
                uow.session,
                council,
                event.application_id,
                status="paid",
                amount_awarded_pence=event.amount_paid_pence,
                amount_paid_pence=event.amount_paid_pence,
            )
        case ApplicationWithdrawn():
            await grant_changed(uow.session, council, event.application_id, status="withdrawn")


ward_grants = Consumer(
    name="wards.ward-grants",
    handle=keep_ward_grants,
    description="Keeps the grants awarded in each ward for its place profile (awarded, paid, cut short, withdrawn).",
)

CONSUMERS: tuple[Consumer, ...] = (ward_grants,)
